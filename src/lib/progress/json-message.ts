// The engine's progress stream: one JSON object per line (docker's pkg/jsonmessage).

export interface ProgressDetail {
  current?: number
  total?: number
  /** Unix seconds the transfer started; enables the time-left estimate. */
  start?: number
  hidecounts?: boolean
  units?: string
}

export interface JsonMessage {
  stream?: string
  status?: string
  progressDetail?: ProgressDetail
  /** Deprecated pre-rendered bar; docker still prints it when progressDetail is absent. */
  progress?: string
  id?: string
  from?: string
  errorDetail?: {code?: number; message?: string}
  /** Deprecated error text; dkr treats it as a failure even without errorDetail. */
  error?: string
  aux?: unknown
}

/** The failure a message carries, worded as docker prints it, or undefined. */
export function messageError(message: JsonMessage): string | undefined {
  if (message.errorDetail) {
    if (message.errorDetail.code === 401) return 'authentication is required'
    return message.errorDetail.message ?? message.error ?? ''
  }

  return message.error ? message.error : undefined
}

/** A progress message updates a layer's line in place; anything else is a line of its own. */
export function isProgressMessage(message: JsonMessage): message is JsonMessage & {id: string} {
  return Boolean(message.id) && (message.progressDetail !== undefined || Boolean(message.progress))
}

export class StreamFormatError extends Error {}

/** Parses one line of the stream. Malformed JSON fails the pull, as it does in docker. */
export function parseMessageLine(line: string): JsonMessage {
  try {
    const value: unknown = JSON.parse(line)
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object')
    return value as JsonMessage
  } catch {
    const shown = line.length > 60 ? `${line.slice(0, 60)}…` : line
    throw new StreamFormatError(`invalid progress message from the engine: ${JSON.stringify(shown)}`)
  }
}

/** Splits a byte stream into messages; a line may arrive in pieces, several may arrive at once. */
export async function* readMessages(body: AsyncIterable<Buffer | string>): AsyncGenerator<JsonMessage> {
  let pending = ''
  for await (const chunk of body) {
    pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8')
    let start = 0
    let newline = pending.indexOf('\n')
    while (newline !== -1) {
      const line = pending.slice(start, newline).trim()
      if (line !== '') yield parseMessageLine(line)
      start = newline + 1
      newline = pending.indexOf('\n', start)
    }

    pending = pending.slice(start)
  }

  if (pending.trim() !== '') yield parseMessageLine(pending.trim())
}
