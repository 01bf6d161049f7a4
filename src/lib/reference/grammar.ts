// The distribution/reference grammar, built from named pieces like the Go original so each rule can
// be read on its own. Go's regexp and JavaScript's agree here: every use below is anchored.

const alphanumeric = '[a-z0-9]+'
const separator = '(?:[._]|__|[-]+)'
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`
const remoteName = `${pathComponent}(?:/${pathComponent})*`

const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`
const ipv6Address = '\\[(?:[a-fA-F0-9:]+)\\]'
const host = `(?:${domainName}|${ipv6Address})`
const domainAndPort = `${host}(?::[0-9]+)?`

const tag = '[\\w][\\w.-]{0,127}'
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}'
const name = `(?:${domainAndPort}/)?${remoteName}`

/** name[:tag][@digest], capturing each part. */
export const referencePattern = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`)
/** A name split into its optional domain and its path. */
export const namePattern = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`)
/** A bare image ID, which docker refuses as a repository name. */
export const identifierPattern = /^[a-f0-9]{64}$/
/** What go-digest accepts as a digest before it checks the algorithm. */
export const digestSyntax = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/
export const tagPattern = new RegExp(`^${tag}$`)
