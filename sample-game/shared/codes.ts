// Room codes: four letters, easy to read aloud and type (no I or O). The code is the Colyseus roomId, so joining
// by code is `sdk.joinById(code)`.

export const CODE_LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
export const CODE_LENGTH = 4;

/** A random code from `random` (uniform in [0, 1)). */
export function makeCode(random: () => number = Math.random): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_LETTERS[Math.floor(random() * CODE_LETTERS.length)];
  return code;
}

/** What a player typed, as a code (upper case, letters only), or null when it cannot be one. */
export function normalizeCode(typed: string): string | null {
  const code = typed.toUpperCase().replace(/[^A-Z]/g, '');
  if (code.length !== CODE_LENGTH) return null;
  for (const c of code) if (!CODE_LETTERS.includes(c)) return null;
  return code;
}
