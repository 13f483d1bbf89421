/**
 * What makes two user names the same account: NFKC (fullwidth `ａｄｍｉｎ` and compatibility forms fold to
 * `admin`) and case (`Admin` is `admin`). The store keeps this key in a unique column; sign-in looks it up,
 * and the lock-out counts failures per key, so every spelling of a name shares one counter.
 */
export function userNameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().normalize('NFKC');
}
