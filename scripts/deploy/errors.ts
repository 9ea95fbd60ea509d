/** A mistake in how deploy was called or set up; its message says what to do. Thrown before anything is changed. */
export class DeployError extends Error {
  override name = 'DeployError';
}

/** Deploying one function failed; the message names the function, what happened and what to do. */
export class FunctionDeployError extends Error {
  override name = 'FunctionDeployError';
  constructor(
    readonly functionName: string,
    message: string,
  ) {
    super(message);
  }
}
