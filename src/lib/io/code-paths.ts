// The V8 code cache (bin/start.js) holds the functions compiled by the run that wrote it, and a later run
// compiles any other function it calls from source, every time: a first pull without verification left
// every keyless pull after it compiling sigstore's code (some 10% of its CPU). So each command, and each
// path that brings much code of its own, names itself here; a run that took a path the cache does not
// list writes the cache again at exit, with that code in it. A handful of names, so a handful of writes.

/** Records that this run took `name` (a command id, a verification mechanism, the live view). */
export function tookCodePath(name: string): void {
  ;(globalThis as {__dkrCodePaths?: Set<string>}).__dkrCodePaths?.add(name)
}
