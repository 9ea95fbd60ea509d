// The floor of a cold start that reads the archive: one raw HTTP POST to the gateway, no SDK.
const http = require('http')

exports.main = () =>
  new Promise((resolve, reject) => {
    const { URL: url } = JSON.parse(process.env.TCB_CONTEXT_CNFG)
    const body = JSON.stringify({ action: 'database.getDocument', collectionName: 'analytics_monthly', query: '{}', limit: 1 })
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      const chunks = []
      response.on('data', (chunk) => chunks.push(chunk))
      response.on('end', () => resolve({ ok: response.statusCode === 200, status: response.statusCode, bytes: Buffer.concat(chunks).length }))
      response.on('error', reject)
    })
    request.on('error', reject)
    request.end(body)
  })
