// The engine's progress stream: one JSON object per line (docker's pkg/jsonmessage).
import {StringDecoder} from 'node:string_decoder'

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

/** Longer than any message an engine sends: a stream without newlines is refused, not buffered forever. */
const maxMessageLength = 1024 * 1024

const stringFields = ['stream', 'status', 'progress', 'id', 'from', 'error'] as const
const detailNumbers = ['current', 'total', 'start'] as const

/**
 * The type mismatches Go's decoder refuses (docker fails the pull on them), or undefined. A null field
 * is an absent one, as in Go; numbers docker reads as int64 must be integers.
 */
function typeProblem(message: Record<string, unknown>): string | undefined {
  for (const field of stringFields) if (message[field] !== undefined && typeof message[field] !== 'string') return field
  const detail = message.progressDetail
  if (detail !== undefined) {
    if (typeof detail !== 'object' || Array.isArray(detail)) return 'progressDetail'
    const fields = detail as Record<string, unknown>
    for (const field of detailNumbers) {
      if (fields[field] === null) delete fields[field]
      else if (fields[field] !== undefined && !Number.isInteger(fields[field])) return `progressDetail.${field}`
    }

    if (fields.hidecounts !== undefined && fields.hidecounts !== null && typeof fields.hidecounts !== 'boolean') return 'progressDetail.hidecounts'
    if (fields.units !== undefined && fields.units !== null && typeof fields.units !== 'string') return 'progressDetail.units'
  }

  const errorDetail = message.errorDetail
  if (errorDetail !== undefined) {
    if (typeof errorDetail !== 'object' || Array.isArray(errorDetail)) return 'errorDetail'
    const {code, message: text} = errorDetail as Record<string, unknown>
    if (code !== undefined && code !== null && !Number.isInteger(code)) return 'errorDetail.code'
    if (text !== undefined && text !== null && typeof text !== 'string') return 'errorDetail.message'
  }

  return undefined
}

/** The line quoted in a refusal, cut to 60 characters. */
const shownLine = (line: string) => JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line)

/** Parses one line of the stream. Malformed JSON, or a field of the wrong type, fails the pull, as it does in docker. */
export function parseMessageLine(line: string): JsonMessage {
  const shown = shownLine(line)
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw new StreamFormatError(`invalid progress message from the engine: ${shown}`)
  }

  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new StreamFormatError(`invalid progress message from the engine: ${shown}`)
  const message = value as Record<string, unknown>
  for (const [field, fieldValue] of Object.entries(message)) if (fieldValue === null) delete message[field]
  const problem = typeProblem(message)
  if (problem) throw new StreamFormatError(`invalid progress message from the engine: ${problem} has the wrong type in ${shown}`)
  return message as JsonMessage
}

/** Splits a byte stream into messages; a line may arrive in pieces, several may arrive at once. */
export async function* readMessages(body: AsyncIterable<Buffer | string>): AsyncGenerator<JsonMessage> {
  // A character split between two chunks is decoded whole, not as two replacement characters.
  const decoder = new StringDecoder('utf8')
  let pending = ''
  for await (const chunk of body) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk)
    let start = 0
    let newline = pending.indexOf('\n')
    while (newline !== -1) {
      const line = pending.slice(start, newline).trim()
      if (line !== '') yield parseMessageLine(line)
      start = newline + 1
      newline = pending.indexOf('\n', start)
    }

    pending = pending.slice(start)
    // No message is this long: refused as the malformed line it is, without waiting for its end.
    if (pending.length > maxMessageLength) throw new StreamFormatError(`invalid progress message from the engine: ${shownLine(pending.trimStart())}`)
  }

  pending += decoder.end()
  if (pending.trim() !== '') yield parseMessageLine(pending.trim())
}
