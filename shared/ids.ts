/** The id rules of the contract (no dependency, so the status function and the page can use them). */

/** Participant ids and provider ids: lowercase letters, digits and hyphens, starting with a letter or digit. */
export const PARTICIPANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/
/** Provider ids leave room for the `-2`, `-3` suffixes of repeated participants. */
export const PROVIDER_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,28}$/
/** Chat ids are lowercase v4 UUIDs from `crypto.randomUUID()`. */
export const CHAT_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
