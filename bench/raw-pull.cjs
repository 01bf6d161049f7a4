// The Node floor for a no-op pull: the two requests `dkr image pull` makes (/_ping, then
// /images/create), with node:http and nothing else. bench/startup.ts compares dkr against it.
// CommonJS, as dkr's entry is: on Node 24 an ES-module entry costs the ES loader some 50 ms, which would
// make the floor slower than what it is the floor of.
const {request} = require('node:http')

const socketPath = process.env.DOCKER_HOST.replace(/^unix:\/\//, '')
const [image, tag] = process.argv[2].split(/:(?=[^:/]+$)/)
const call = (method, path, headers = {}) =>
  new Promise((resolve, reject) => {
    const req = request({headers, method, path, socketPath}, (res) => {
      res.on('data', () => {})
      res.on('end', () => resolve(res))
    })
    req.on('error', reject)
    req.end()
  })
async function pull() {
  const ping = await call('HEAD', '/_ping')
  const version = ping.headers['api-version']
  await call('POST', `/v${version}/images/create?fromImage=${encodeURIComponent(image)}&tag=${encodeURIComponent(tag)}`, {'X-Registry-Auth': 'e30='})
  process.stdout.write(`${image}:${tag}\n`)
}
pull()
