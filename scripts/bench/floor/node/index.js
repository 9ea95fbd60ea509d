// The floor of a cold start: the runtime loads a function that does nothing.
exports.main = async () => ({ ok: true })
