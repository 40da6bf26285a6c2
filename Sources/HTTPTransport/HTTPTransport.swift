import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SyncKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends one HTTP request and reports what came back, without interpreting it: the single door every
/// remote call (TikTok, Google auth, BigQuery, Sheets) goes through.
///
/// Its client never follows a redirect by itself: a redirect is reported to the caller, which either
/// refuses it (TikTok never redirects) or follows it only to the same origin (Google), so credentials
/// in headers, query or body never travel to another host.
public struct HTTPTransport: Sendable {
    let client: HTTPClient

    /// The process-wide transport: one connection pool, redirects never followed automatically.
    public static let shared = HTTPTransport(client: HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: HTTPTransport.configuration))

    /// Redirects disallowed; and a connection that cannot be made fails its request at once (refused, unknown host,
    /// TLS) instead of being retried by the pool until the connect timeout: `RetryingCaller` is the one retry loop,
    /// and it needs to see the cause to decide. One connection per call in flight, up to the largest `concurrency`
    /// (64): with the client's default of 8 per host, calls past the eighth waited in the pool and then left in a
    /// burst, which defeated the pacer's spacing (TikTok counts arrivals) and capped a sync at 8 / latency.
    static var configuration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(30)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maximumConnectionsPerHost),
            decompression: .disabled)
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    /// The most connections kept to one host: the largest `concurrency` a sync accepts.
    public static let maximumConnectionsPerHost = 64

    init(client: HTTPClient) { self.client = client }

    /// What to do when a server answers 3xx with a `Location`.
    public enum RedirectPolicy: Sendable {
        /// Report it as `.redirected`.
        case refuse
        /// Follow up to `max` redirects whose target has the same scheme, host and port; report any other.
        case sameOrigin(max: Int)
    }

    /// One request, fully in memory (the bodies this tool sends are small or pre-built).
    public struct Request: Sendable {
        public var method: HTTPMethod
        public var url: String
        public var headers: [(String, String)]
        public var body: [UInt8]?
        public var timeout: Duration
        /// Bodies larger than this are a transport failure, not a crash.
        public var maxBodyBytes: Int

        public init(method: HTTPMethod = .GET, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                    timeout: Duration, maxBodyBytes: Int = 256 << 20) {
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
            self.timeout = timeout
            self.maxBodyBytes = maxBodyBytes
        }
    }

    /// What came back from one attempt.
    public enum Outcome: Sendable {
        case response(status: Int, headers: HTTPHeaders, body: [UInt8])
        /// A redirect the policy does not allow; both URLs are fit to print (no query).
        case redirected(status: Int, from: String, to: String)
        /// The request did not complete (timeout, reset, refused connection); never names the URL.
        case transportError(TransportFailure)
    }

    public func send(_ request: Request, redirects: RedirectPolicy = .refuse) async -> Outcome {
        var current = request
        var followed = 0
        while true {
            let outcome = await sendOnce(current)
            guard case .response(let status, let headers, _) = outcome, (300..<400).contains(status),
                  let location = headers.first(name: "Location") else { return outcome }
            let target = URL(string: location, relativeTo: URL(string: current.url))?.absoluteURL
            let display = SecretRedactor.displayURL(target?.absoluteString ?? location)
            guard case .sameOrigin(let max) = redirects, followed < max, let target,
                  let origin = URL(string: current.url), Self.sameOrigin(origin, target) else {
                return .redirected(status: status, from: SecretRedactor.displayURL(current.url), to: display)
            }
            followed += 1
            current.url = target.absoluteString
            if status == 303 || ((status == 301 || status == 302) && current.method == .POST) {
                current.method = .GET
                current.body = nil
            }
        }
    }

    static func sameOrigin(_ a: URL, _ b: URL) -> Bool {
        func port(_ url: URL) -> Int? { url.port ?? (url.scheme == "https" ? 443 : url.scheme == "http" ? 80 : nil) }
        return a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased() && port(a) == port(b)
    }

    private func sendOnce(_ request: Request) async -> Outcome {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(outgoing, timeout: TimeAmount(request.timeout))
            let buffer = try await response.body.collect(upTo: request.maxBodyBytes)
            return .response(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
        } catch is CancellationError {
            return .transportError(TransportFailure(.cancelled, "cancelled"))
        } catch {
            return .transportError(Self.failure(error))
        }
    }

    /// A failure named without the URL (it can carry a secret).
    public static func describe(_ error: any Error) -> String { failure(error).description }

    /// What kind of failure `error` is, named without the URL (it can carry a secret).
    public static func failure(_ error: any Error) -> TransportFailure {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return TransportFailure(.cannotConnect, "connection timed out")
            case .tlsHandshakeTimeout: return TransportFailure(.tls, "TLS handshake timed out")
            case .deadlineExceeded, .readTimeout: return TransportFailure(.interrupted, "timeout")
            case .remoteConnectionClosed: return TransportFailure(.interrupted, "connection closed by the server")
            case .cancelled: return TransportFailure(.cancelled, "cancelled")
            default: return TransportFailure(.other, "HTTP client error \(error.shortDescription)")
            }
        }
        if error is NIOTooManyBytesError { return TransportFailure(.interrupted, "the answer was larger than the limit") }
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first {
                return failure(first.error)
            }
            if error.dnsAError != nil || error.dnsAAAAError != nil {
                return TransportFailure(.hostNotFound, "host not found (DNS lookup failed)")
            }
        }
        if error is SocketAddressError { return TransportFailure(.hostNotFound, "host not found (DNS lookup failed)") }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return TransportFailure(.connectionRefused, "connection refused")
            case ENETUNREACH, EHOSTUNREACH, ENETDOWN, EHOSTDOWN, EADDRNOTAVAIL:
                return TransportFailure(.cannotConnect, "network or host unreachable (\(String(cString: strerror(error.errnoCode))))")
            case ETIMEDOUT: return TransportFailure(.cannotConnect, "connection timed out")
            case ECONNRESET, EPIPE: return TransportFailure(.interrupted, "connection reset")
            default: break
            }
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            // BoringSSL's text carries its reason codes among numbers and source paths: keep the reasons.
            let text = "\(error)"
            let reasons = text.matches(of: #/OPENSSL_internal:([A-Z0-9_]+)/#).map { String($0.output.1) }
            let detail = reasons.isEmpty ? String(text.prefix(200)) : reasons.joined(separator: ", ")
            return TransportFailure(.tls, SecretRedactor.redact("TLS handshake failed (\(detail))"))
        }
        return TransportFailure(.other, SecretRedactor.redact("\(type(of: error)): \(error)"))
    }
}

/// Why a request got no complete HTTP answer, named without the URL.
public struct TransportFailure: Sendable, Equatable, CustomStringConvertible, ExpressibleByStringLiteral {
    public enum Kind: Sendable, Equatable {
        /// Nothing listens at the host and port (ECONNREFUSED).
        case connectionRefused
        /// The host name does not resolve.
        case hostNotFound
        /// The TLS handshake failed (certificate, protocol, handshake timeout).
        case tls
        /// No connection could be made otherwise: connect timeout, network or host unreachable.
        case cannotConnect
        /// A connection existed but the answer did not complete: timeout, reset, closed, too large.
        case interrupted
        case cancelled
        case other
    }

    public var kind: Kind
    /// E.g. "connection refused", "host not found (DNS lookup failed)", "timeout".
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }

    /// A failure known only by its text (tests, callers that have no error value).
    public init(stringLiteral value: String) {
        self.init(.other, value)
    }

    /// Whether no connection to the host could be made at all: the request never reached a server there.
    public var isConnectionFailure: Bool {
        switch kind {
        case .connectionRefused, .hostNotFound, .tls, .cannotConnect: true
        case .interrupted, .cancelled, .other: false
        }
    }
}

extension NIOCore.TimeAmount {
    /// A Swift `Duration` as NIO's time amount (nanosecond precision).
    public init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
