let lastMs = 0;
let sequence = 0;

/**
 * A sortable, unique id: `<prefix>_<12 hex of ms time><4 hex of sequence><8 random hex>`.
 * Ids created later in one process sort later, which keyset pagination relies on. The random part only
 * separates processes that create ids in the same millisecond; it need not be unpredictable.
 */
export function newId(prefix: string, now = Date.now()): string {
  if (now <= lastMs) {
    sequence++;
    if (sequence > 0xffff) {
      lastMs++;
      sequence = 0;
    }
  } else {
    lastMs = now;
    sequence = 0;
  }
  const time = lastMs.toString(16).padStart(12, '0');
  const seq = sequence.toString(16).padStart(4, '0');
  const random = Math.floor(Math.random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');
  return `${prefix}_${time}${seq}${random}`;
}
