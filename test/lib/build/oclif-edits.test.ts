// scripts/build.js edits @oclif/core's command sort to skip ICU's collator for ids made of a-z, ':' and
// '-'. That is only right if, for such ids, the collator's order is the plain code-unit order.
import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

const alphabet = 'abcdefghijklmnopqrstuvwxyz:-'
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

describe("the build's edit of oclif's command sort", () => {
  it('orders ids of a-z, ":" and "-" as localeCompare does', () => {
    let seed = 7
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647
    const id = () => Array.from({length: 1 + Math.floor(random() * 8)}, () => alphabet[Math.floor(random() * alphabet.length)]).join('')
    for (let i = 0; i < 50_000; i++) {
      const [a, b] = [id(), id()]
      assert.equal(compare(a, b), Math.sign(a.localeCompare(b)), `${a} vs ${b}`)
    }

    const ids = ['image:pull', 'image', 'config:get', 'config', 'context:use', 'context:ls', 'autocomplete', 'help', 'login', 'logout', 'version', 'a-b', 'a:b', 'ab']
    assert.deepEqual([...ids].sort(compare), [...ids].sort((a, b) => a.localeCompare(b)))
  })
})
