/**
 * Characters that change how text around them is shown without being visible themselves: bidirectional
 * overrides, embeddings, isolates and marks (which can make `evil.exe` read as `exe.live`, or one name look
 * like another), zero-width characters (two names that look the same but differ), and control characters.
 * Names shown to people (user names, person names) refuse them.
 */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]/u;

function kindOf(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069))
    return 'bidirectional override';
  if (code === 0x200e || code === 0x200f || code === 0x061c) return 'bidirectional mark';
  if ((code >= 0x200b && code <= 0x200d) || code === 0x2060 || code === 0xfeff) return 'zero-width character';
  return 'control character';
}

/** `U+202E` for a character: how an error message names one it cannot show. */
export function codePointLabel(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The first invisible or direction-changing character of `text` and what kind it is; undefined when none. */
export function findUnsafeCharacter(text: string): { char: string; kind: string } | undefined {
  const match = UNSAFE.exec(text);
  return match ? { char: match[0], kind: kindOf(match[0]) } : undefined;
}

/** The message of a refusal: which character, what kind, and why. */
export function unsafeCharacterMessage(what: string, found: { char: string; kind: string }): string {
  return `the ${what} must not contain invisible or direction-changing characters (found ${codePointLabel(found.char)}, a ${found.kind})`;
}
