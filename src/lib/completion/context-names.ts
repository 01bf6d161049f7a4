// @oclif/plugin-autocomplete writes bash and zsh completion from the manifest, so it completes command
// names, flags and fixed option lists, but not values that exist only at run time. dkr adds the one
// docker users reach for: context names after `--context`/`-c` and after `context use`, read by
// `dkr context ls -q` when Tab is pressed (docker's own completion does the same).
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

// Function names are built from the bin name as it is, because the plugin's own (`_<bin>_autocomplete`,
// `_<bin>_context`) are, and the added code calls and extends those.

/** Where the plugin keeps the files: `<cacheDir>/autocomplete/functions/{bash/<bin>.bash,zsh/_<bin>}`. */
export function completionFiles(cacheDir: string, bin: string): {bash: string; zsh: string} {
  const functions = join(cacheDir, 'autocomplete', 'functions')
  return {bash: join(functions, 'bash', `${bin}.bash`), zsh: join(functions, 'zsh', `_${bin}`)}
}

/** The plugin's bash script, plus a completion function that answers context names and defers to the plugin's otherwise. */
export function bashWithContextNames(script: string, bin: string): string {
  return `${script}
# Added by ${bin}: context names after --context/-c and after \`context use\`.
_${bin}_complete() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  # Bash splits --context=NAME at the "=".
  if [[ $cur == = ]]; then cur=; elif [[ $prev == = ]]; then prev=\${COMP_WORDS[COMP_CWORD-2]}; fi
  if [[ $prev == --context || $prev == -c || ( $COMP_CWORD -eq 3 && \${COMP_WORDS[1]} == context && \${COMP_WORDS[2]} == use ) ]]; then
    local IFS=$'\\n'
    COMPREPLY=($(compgen -W "$(${bin} context ls -q 2>/dev/null)" -- "$cur"))
    return 0
  fi
  _${bin}_autocomplete "$@"
}
complete -F _${bin}_complete ${bin}
`
}

/** The plugin's zsh function with context names as the value of --context/-c and as `context use`'s argument. */
export function zshWithContextNames(script: string, bin: string): string {
  const helper = `_${bin}_contexts`
  const flagsDone = script.replaceAll(/(\{-c,--context\}"\[[^\]]*\]):file:_files"/g, `$1:context:${helper}"`)
  // In the context topic's function, the `use` case ends with the catch-all argument spec.
  const topic = flagsDone.indexOf(`_${bin}_context() {`)
  const useCase = topic === -1 ? -1 : flagsDone.indexOf('"use")', topic)
  const catchAll = useCase === -1 ? -1 : flagsDone.indexOf('"*: :_files"', useCase)
  const argumentDone = catchAll === -1 ? flagsDone : `${flagsDone.slice(0, catchAll)}"1: :${helper}"${flagsDone.slice(catchAll + '"*: :_files"'.length)}`
  const call = argumentDone.lastIndexOf(`\n_${bin}\n`)
  const definition = `
# Added by ${bin}: context names, for --context/-c and \`context use\`.
${helper}() {
  local -a names
  names=(\${(f)"$(${bin} context ls -q 2>/dev/null)"})
  _describe -t contexts context names
}
`
  return call === -1 ? `${argumentDone}${definition}` : `${argumentDone.slice(0, call)}\n${definition}${argumentDone.slice(call)}`
}

/** Rewrites the plugin's freshly written bash and zsh files in place. */
export async function addContextNames(cacheDir: string, bin: string): Promise<void> {
  const files = completionFiles(cacheDir, bin)
  const [bash, zsh] = await Promise.all([readFile(files.bash, 'utf8'), readFile(files.zsh, 'utf8')])
  await Promise.all([writeFile(files.bash, bashWithContextNames(bash, bin)), writeFile(files.zsh, zshWithContextNames(zsh, bin))])
}
