/**
 * How this copy of the code runs: from the TypeScript sources through tsx (`npm run dev`,
 * the tests), or compiled to JavaScript in dist/ (`npm start`, the Docker image), where no
 * TypeScript loader exists. The processes and threads the service starts itself (cluster
 * workers, the watchdog thread, the embedded database's child) ask here which file to run
 * and whether to load tsx, so all three follow the one answer.
 */

/** True when this module was compiled to dist/ (its own file ends in .js). */
export const compiled = import.meta.url.endsWith('.js');

/**
 * The file a sibling module runs from: './worker.ts' relative to import.meta.url is
 * ./worker.js when the caller was compiled. tsc rewrites the extensions of imports but not
 * of URLs built by hand, so entries of processes and threads go through here.
 */
export function moduleUrl(relative: string, base: string): URL {
  return new URL(base.endsWith('.js') ? relative.replace(/\.ts$/, '.js') : relative, base);
}

/**
 * Node flags a child process needs to run our modules: the tsx loader, resolved from here
 * rather than from the working directory, when running from source; when compiled, source
 * maps on, so its stack traces point at the .ts lines too.
 */
export function childExecArgv(): string[] {
  return compiled ? ['--enable-source-maps'] : ['--import', import.meta.resolve('tsx')];
}
