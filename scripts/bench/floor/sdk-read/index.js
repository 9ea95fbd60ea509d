// The floor of an archived call through wx-server-sdk: the caller's context and one read of the month by
// _id, as our functions make it, with no check of the caller, the request or the document.
const cloud = require('wx-server-sdk')
cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV })
const db = cloud.database()

exports.main = async () => {
  cloud.getWXContext()
  const { data } = await db.collection('analytics_monthly').where({ _id: 'retain_2024-05' }).limit(1).get()
  const document = data[0]
  return { ok: document !== undefined, data: document && document.data }
}
