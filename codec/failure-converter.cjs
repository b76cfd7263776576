// Failures' messages and stack traces go into an encoded payload, which the payload codec then encrypts:
// a refusal inside an accepted Update or a failing activity may quote a milestone's title. CommonJS and
// plain JavaScript because it is loaded twice: bundled into the workflow code, and required by the SDK
// (failureConverterPath) in every client and worker, where no TypeScript loader can be assumed.
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
