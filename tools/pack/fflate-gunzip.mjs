// See attw-fflate-fix.mjs: fflate's Gunzip, but the callback fires once with all the output.
const real = await import(/** @type {string} */ (new URL(import.meta.url).searchParams.get('real')));

export class Gunzip {
  /** @param {(chunk: Uint8Array, final: boolean) => void} ondata */
  constructor(ondata) {
    /** @type {Uint8Array[]} */
    const chunks = [];
    this.inner = new real.Gunzip((/** @type {Uint8Array} */ chunk, /** @type {boolean} */ final) => {
      chunks.push(chunk);
      if (!final) return;
      const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let offset = 0;
      for (const c of chunks) {
        all.set(c, offset);
        offset += c.length;
      }
      ondata(all, true);
    });
  }

  /** @param {Uint8Array} data @param {boolean} [final] */
  push(data, final) {
    this.inner.push(data, final);
  }
}
