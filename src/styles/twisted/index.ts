/**
 * The Twisted style on nbio's EventLoop: Deferreds, `inlineCallbacks`, `callLater`,
 * `LoopingCall`, protocols and factories, `listenTCP`/`connectTCP`, the HTTP `Agent`. The loop is passed to
 * every function that schedules or does I/O: there is no global reactor and no `install()`.
 * See docs/styles/twisted.md for the map from Twisted's names to these.
 *
 * @module
 */

export {
  Agent,
  AgentResponse,
  type BodyConsumer,
  type BodyProducer,
  FileBodyProducer,
  Headers,
  readBody,
  UNKNOWN_LENGTH,
} from './agent.ts';
export { Connector, type ConnectorState, type ConnectTCPOptions, connectTCP } from './connect-tcp.ts';
export { getDebugging, setDebugging } from './debugging.ts';
export {
  type Canceller,
  type Chainable,
  Deferred,
  fail,
  isAwaitable,
  maybeDeferred,
  succeed,
} from './deferred.ts';
export { DeferredList, type DeferredListOptions, gatherResults, type Outcome } from './deferred-list.ts';
export { addTimeout, callLater, DelayedCall, deferLater } from './delayed-call.ts';
export { ClientFactory, Factory, type ProtocolClass, ServerFactory } from './factory.ts';
export { inlineCallbacks } from './inline-callbacks.ts';
export { LineReceiver } from './line-receiver.ts';
export { type ListenTCPOptions, listenTCP, Port } from './listen-tcp.ts';
export { LoopingCall } from './looping-call.ts';
export { Protocol } from './protocol.ts';
export { type Address, type Producer, TcpTransport } from './tcp-transport.ts';
export {
  AlreadyCalledError,
  AlreadyCancelledError,
  CancelledError,
  NotAwaitableError,
} from './twisted-errors.ts';
export {
  reportUnhandledErrorsTo,
  setUnhandledErrorHandler,
  type UnhandledErrorHandler,
  type UnhandledErrorReport,
} from './unhandled-error.ts';
export { NOT_DONE_YET, NoResource, type RenderResult, Request, Resource, Site } from './web-site.ts';
