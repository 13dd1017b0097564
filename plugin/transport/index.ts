/**
 * The transport layer: UTP 2.x driver, wire codecs, pipeline contract and network interfaces.
 *
 * @module utp-ts/transport
 */
export { NetworkDriver } from './api/driver.ts';
export { DriverLoop, afterIO } from './api/driver-loop.ts';
export type { DriverLoopOptions, PacketNotifier } from './api/driver-loop.ts';
export { EventInbox } from './api/event-inbox.ts';
export type { NetworkDriverOptions, BeginSendResult, DriverStatistics, ConnectionStatistics, ConcurrentNetworkDriver } from './api/driver.ts';
export { NetworkConnection } from './api/connection.ts';
export { NetworkEndpoint, NetworkFamily } from './api/endpoint.ts';
export { NetworkEvent } from './api/network-event.ts';
export { NetworkPipeline } from './stages/pipeline.ts';
export type { PipelineOptions, PipelineRef } from './stages/pipeline.ts';
export type { PipelineStage, StageContext, StageInfo, StageStatistics, ByteBudget } from './stages/pipeline-stage.ts';
export { DataStreamWriter, DataStreamReader } from './api/data-stream.ts';
export {
  NetworkSettings, defaultNetworkConfig, defaultReliableStage, defaultFragmentationStage, defaultSimulatorStage,
  AbsoluteMaxMessageSize, AbsoluteMinimumMtuSize, MaxReliableWindowSize, SecureClientAuthPolicy,
} from './api/settings.ts';
export type {
  NetworkConfigParameters, ReliableStageParameters, FragmentationStageParameters, SimulatorStageParameters,
  NetworkSimulatorParameters, LocalParameters, SecureNetworkProtocolParameters, AdmissionParameters,
} from './api/settings.ts';
export type { AdmissionStatistics } from './layers/admission.ts';
export {
  StatusCode, DisconnectReason, NetworkEventType, ConnectionState, statusCodeName, disconnectReasonName,
} from './api/status-codes.ts';
export { UtpError, UtpSettingsError, UtpSocketError } from './api/errors.ts';
export type { NetworkInterface, PacketSink } from './carriers/network-interface.ts';
export { UDPNetworkInterface } from './carriers/udp.ts';
export type { UDPNetworkInterfaceOptions } from './carriers/udp.ts';
export { IPCNetworkInterface, IPCNetwork } from './carriers/ipc.ts';
export type { IPCLinkFilter } from './carriers/ipc.ts';
export { NullPipelineStage } from './stages/null.ts';
/** The connection layer's wire codec (SimpleConnectionLayer, spec §3): packet kinds, handshakes and message headers. */
export * as wire from './layers/simple-connection.ts';
export { WebSocketNetworkInterface, wsPackageWebSocket } from './carriers/websocket-client.ts';
export type { WebSocketNetworkInterfaceOptions, WebSocketLike, WebSocketConstructor } from './carriers/websocket-client.ts';
export { MultiNetworkDriver, MultiNetworkConnection } from './api/multi-driver.ts';
export { WebSocketCloseCode } from './carriers/websocket-constants.ts';
export {
  ReliableSequencedPipelineStage, UnreliableSequencedPipelineStage, FragmentationPipelineStage, SimulatorPipelineStage,
  SimulatorMode,
} from './stages/index.ts';
export type { ReliableSnapshot } from './stages/index.ts';
export { WebRtcNetworkInterface } from './carriers/webrtc-client.ts';
export type { WebRtcNetworkInterfaceOptions, WebRtcCarrierState, RtcPeerConnectionConstructor } from './carriers/webrtc-client.ts';
export { DEFAULT_SIGNAL_PATH, UTP_CHANNEL_LABEL, WEBRTC_MAX_PACKET, WEBRTC_PACKET_PADDING } from './carriers/webrtc-signal.ts';
