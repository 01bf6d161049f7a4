import {DkrError} from '../errors.js'

// docker's wording, letter for letter: scripts match on these.
export const referenceErrors = {
  digestFormat: 'invalid checksum digest format',
  digestLength: 'invalid checksum digest length',
  digestUnsupported: 'unsupported digest algorithm',
  invalidFormat: 'invalid reference format',
  nameEmpty: 'repository name must have at least one component',
  nameTooLong: 'repository name must not be more than 255 characters',
  uppercase: 'repository name must be lowercase',
} as const

/** A name docker would refuse before talking to the engine. */
export class ReferenceError extends DkrError {
  constructor(message: string) {
    super(message)
    this.name = 'ReferenceError'
  }
}
