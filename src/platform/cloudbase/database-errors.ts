/** wx-server-sdk's `errCode` for a database call on a collection that does not exist (yet). */
export const COLLECTION_NOT_EXIST = -502005;

/** The numeric `errCode` of an error wx-server-sdk raised, if it has one. */
export function errCodeOf(error: unknown): number | undefined {
  const code = (error as { errCode?: unknown } | null)?.errCode;
  return typeof code === 'number' ? code : undefined;
}
