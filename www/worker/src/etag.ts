// ETags and If-None-Match (RFC 9110 §8.8.3, §13.1.2).

/** The ETag of a rendering: the spec's definition hash, as a strong entity tag. */
export const etagOf = (definitionHash: string): string => `"${definitionHash}"`;

/**
 * Whether an `If-None-Match` header matches `etag`: `*`, or a list of entity tags compared
 * weakly (a `W/` prefix is ignored, as the RFC asks for GET and HEAD).
 */
export function ifNoneMatchMatches(header: string | null, etag: string): boolean {
  if (header === null) return false;
  const value = header.trim();
  if (value === "*") return true;
  for (const match of value.matchAll(/(?:W\/)?("[^"]*")/g)) {
    if (match[1] === etag) return true;
  }
  return false;
}
