// Preloaded into attw (`node --import ./attw-fflate-fix.mjs attw …`) to work around a known
// upstream bug: @arethetypeswrong/core 0.18.2 keeps only the *last* chunk of fflate's streaming
// Gunzip, and fflate 0.8.3 ends every stream with an empty chunk, so attw fails on every
// tarball with "Cannot read properties of undefined (reading 'filename')"
// (arethetypeswrong/arethetypeswrong.github.io#262, 101arrowz/fflate#265).
// This redirects core's `import { Gunzip } from 'fflate'` to a Gunzip that emits the whole
// output once, at the end. Delete this file once attw ships the fix or fflate is pinned to 0.8.2.
import { register } from 'node:module';

register('data:text/javascript,' + encodeURIComponent(`
  const shim = ${JSON.stringify(new URL('./fflate-gunzip.mjs', import.meta.url).href)};
  export async function resolve(specifier, context, next) {
    const resolved = await next(specifier, context);
    if (specifier === 'fflate' && context.parentURL && context.parentURL.includes('arethetypeswrong')) {
      return { url: shim + '?real=' + encodeURIComponent(resolved.url), shortCircuit: true };
    }
    return resolved;
  }
`));
