import Foundation
import HTTPTransport
import Logging
import SyncKit
import TestSupport
import Testing
@testable import TikTokAds

/// The retry budget's time bound, and the first-contact rule: until TikTok has answered a run once, a failure that
/// says TikTok is not there (nothing listening, unknown host, TLS, HTML or garbage instead of its JSON) stops the
/// run after a few quick attempts instead of minutes of backoff. All on a virtual clock.
@Suite struct FailFastTests {
    static let url = "https://api.example.test/open_api/v1.3/advertiser/info/?advertiser_ids=%5B%221%22%5D&secret=s3cr3t-value"
    static let shown = "https://api.example.test/open_api/v1.3/advertiser/info/"
    static let nothingHeard = APIContact.Heard()
    static let httpHeard = APIContact.Heard(httpAnswer: true)
    static let tiktokHeard = APIContact.Heard(httpAnswer: true, tiktokAnswer: true)

    static func answer(_ status: Int, _ body: String, _ type: String? = "text/html") -> HTTPOutcome {
        .response(status: status, body: Array(body.utf8), contentType: type)
    }

    // MARK: The time bound

    @Test func theRetryBudgetIsBoundedInTimeOnTheInjectedClock() async throws {
        let clock = VirtualClock()
        let policy = RetryPolicy(maxAttempts: 100, baseDelay: .seconds(1), maxDelay: .seconds(8), maxElapsed: .seconds(60))
        let caller = RetryingCaller(policy: policy, clock: clock, logger: Logger(label: "test"))
        let attempts = Protected(0)
        let error = await #expect(throws: SyncError.self) {
            let _: Int = try await caller.call("test", attempt: { _ in
                attempts.withLock { $0 += 1 }
                return .retry(reason: "HTTP 503", rateLimited: false)
            }, exhausted: { reason, made in SyncError(.transient, "gave up after \(made) attempts (last: \(reason))") })
        }
        let waited = clock.sleeps.reduce(Duration.zero, +)
        #expect(waited <= .seconds(60), "backoff stays inside maxElapsed: \(clock.sleeps)")
        #expect(waited > .seconds(30), "and uses most of it: \(clock.sleeps)")
        #expect(attempts.value < 100, "the time bound, not the attempt count, ended the retries")
        #expect(attempts.value == clock.sleeps.count + 1)
        #expect(error?.message == "gave up after \(attempts.value) attempts (last: HTTP 503)")
    }

    /// Slow attempts use up the budget too: three 25-second timeouts and the next backoff would pass 60 s.
    @Test func slowAttemptsCountAgainstTheTimeBound() async throws {
        let clock = VirtualClock()
        let policy = RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(500), maxDelay: .seconds(60), maxElapsed: .seconds(60))
        let caller = RetryingCaller(policy: policy, clock: clock, logger: Logger(label: "test"))
        let attempts = Protected(0)
        await #expect(throws: SyncError.self) {
            let _: Int = try await caller.call("test", attempt: { _ in
                attempts.withLock { $0 += 1 }
                clock.advance(by: .seconds(25))  // the attempt timed out after 25 s
                return .retry(reason: "timeout", rateLimited: false)
            }, exhausted: { reason, _ in SyncError(.transient, reason) })
        }
        #expect(attempts.value == 3)
    }

    @Test func theDefaultsAreDocumented() {
        let policy = RetryPolicy()
        #expect(policy.maxAttempts == 8)
        #expect(policy.maxElapsed == .seconds(600))
        #expect(policy.firstContactAttempts == 3)
    }

    // MARK: Classification

    @Test(arguments: [
        (TransportFailure(.connectionRefused, "connection refused"), "connection refused"),
        (TransportFailure(.hostNotFound, "host not found (DNS lookup failed)"), "host not found"),
        (TransportFailure(.tls, "TLS failure: handshake failed"), "TLS"),
        (TransportFailure(.cannotConnect, "connection timed out"), "connection timed out"),
    ])
    func aConnectionThatCannotBeMadeBeforeAnyAnswerStopsTheRun(failure: TransportFailure, cause: String) throws {
        let error = try #require(ResponseClassifier.firstContactFailure(.transportError(failure), url: Self.url, heard: Self.nothingHeard, attempts: 3))
        #expect(error.kind == .unreachable)
        #expect(error.stopsRun)
        #expect(error.message.contains("Cannot reach the TikTok API at \(Self.shown): "), "\(error.message)")
        #expect(error.message.contains(cause))
        #expect(error.message.contains("--api-base-url"))
        #expect(error.message.contains("(3 attempts)"))
        #expect(!error.message.contains("s3cr3t") && !error.message.contains("advertiser_ids"), "the URL is printed without its query")
        // Once the host answered anything over HTTP, the same failure is a passing fault, retried as usual.
        #expect(ResponseClassifier.firstContactFailure(.transportError(failure), url: Self.url, heard: Self.httpHeard, attempts: 3) == nil)
    }

    @Test(arguments: [TransportFailure(.interrupted, "timeout"), TransportFailure(.interrupted, "connection closed by the server"),
                      TransportFailure(.other, "something else")])
    func timeoutsAndResetsAreAlwaysRetriedAsUsual(failure: TransportFailure) {
        #expect(ResponseClassifier.firstContactFailure(.transportError(failure), url: Self.url, heard: Self.nothingHeard, attempts: 3) == nil)
        if case .retry = ResponseClassifier.classify(.transportError(failure), endpoint: "advertiser/info", advertiserID: nil) {} else {
            Issue.record("\(failure) should be retried")
        }
    }

    @Test(arguments: [
        (answer(200, "<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head></html>"), "HTTP 200 (text/html, ", "\"<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head></html>\""),
        (answer(404, "<html><body>Not Found</body></html>"), "HTTP 404 (text/html, ", "<html><body>Not Found"),
        (answer(502, "<html><center>502 Bad Gateway</center></html>"), "HTTP 502 (text/html, ", "a proxy in between is failing"),
        (answer(200, #"{"code":0,"message":"OK","da"#, "application/json"), "HTTP 200 (application/json, 28 bytes)", #""{"code":0,"message":"OK","da""#),
        (answer(200, #"{"error":"no such route"}"#, "application/json"), "HTTP 200 (application/json", "no such route"),
        (answer(200, "\u{1B}[31m\u{0}garbage\u{7F}", nil), "HTTP 200 (no content type, 14 bytes)", #""\x1B[31m\x00garbage\x7F""#),
        (answer(200, "", nil), "HTTP 200 (no content type, 0 bytes)", "an empty body"),
    ])
    func anAnswerThatIsNotTikTokBeforeTikTokEverAnsweredStopsTheRun(outcome: HTTPOutcome, what: String, shows: String) throws {
        let error = try #require(ResponseClassifier.firstContactFailure(outcome, url: Self.url, heard: Self.httpHeard, attempts: 1))
        #expect(error.kind == .unreachable)
        #expect(error.message.hasPrefix("\(Self.shown) answered "), "\(error.message)")
        #expect(error.message.contains(what), "\(error.message)")
        #expect(error.message.contains(shows), "\(error.message)")
        #expect(error.message.contains("--api-base-url"))
        // Mid-run (TikTok answered this run before), the same answer is classified as usual.
        #expect(ResponseClassifier.firstContactFailure(outcome, url: Self.url, heard: Self.tiktokHeard, attempts: 1) == nil)
    }

    @Test(arguments: [
        answer(200, #"{"code":0,"message":"OK","request_id":"r","data":{}}"#, "application/json"),
        answer(200, #"{"code":50000,"message":"System error.","data":{}}"#, "text/plain"),
        answer(500, #"{"code":50000,"message":"System error.","data":{}}"#, "application/json"),
        answer(429, "<html>Too Many Requests</html>"),
    ])
    func tikTokEnvelopesAndRateLimitsAreNeverFirstContactFailures(outcome: HTTPOutcome) {
        #expect(ResponseClassifier.firstContactFailure(outcome, url: Self.url, heard: Self.nothingHeard, attempts: 1) == nil)
    }

    @Test func contactIsRecordedFromWhatCameBack() {
        let contact = APIContact()
        #expect(contact.record(.transportError("timeout")) == APIContact.Heard())
        #expect(contact.record(Self.answer(502, "<html>bad gateway</html>")) == APIContact.Heard())
        #expect(contact.heard == Self.httpHeard)
        #expect(contact.record(Self.answer(200, #"{"code":40100,"message":"slow down"}"#, "application/json")) == Self.httpHeard)
        #expect(contact.heard == Self.tiktokHeard)
    }

    // MARK: What is shown of a body

    @Test func aBodyIsShownShortPrintableAndWithoutSecrets() {
        let token = "tok-\(UUID().uuidString)"
        SecretRedactor.register(token)
        // A registered secret cut by the 80-character limit is masked before the cut, never half-shown.
        let straddling = ResponseClassifier.snippet(Array((String(repeating: "x", count: 70) + token + " tail").utf8))
        #expect(!straddling.contains(token.prefix(6)), "\(straddling)")
        #expect(straddling.hasSuffix("…\""))
        // Credential-shaped text the tool was never told about is masked too.
        let echoed = ResponseClassifier.snippet(Array("<p>Access-Token: abcdef123456 secret=hunter2hunter2</p>".utf8))
        #expect(!echoed.contains("abcdef123456") && !echoed.contains("hunter2"), "\(echoed)")
        #expect(echoed.contains(SecretRedactor.mask))
        // Bytes that are not UTF-8, control and format characters (a right-to-left override) are escaped.
        let garbage = ResponseClassifier.snippet([0xFF, 0xFE, 0x41, 0x0A, 0x0A, 0x09, 0x42] + Array("\u{202E}C".utf8))
        #expect(garbage == #""\xFF\xFEA B\xE2\x80\xAEC""#)
        #expect(ResponseClassifier.snippet(Array(String(repeating: "é", count: 200).utf8)).count <= 83)
    }

    // MARK: The client

    static func client(_ base: String, clock: VirtualClock, policy: RetryPolicy = RetryPolicy(maxAttempts: 6)) throws -> TikTokClient {
        let api = TikTokAPIConfiguration(baseURL: try #require(URL(string: base)), accessToken: "fail-fast-token-\(UUID().uuidString)",
                                         requestTimeout: .seconds(30), retryPolicy: policy)
        return TikTokClient(configuration: api, pacer: makeRateLimiter(.unlimited, clock: clock), clock: clock, logger: Logger(label: "test"))
    }

    @Test func anHTMLServerStopsTheClientAfterThreeQuickAttempts() async throws {
        let clock = VirtualClock()
        try await HostileServer.with(answer: { _ in
            HostileAnswer(headers: [("Content-Type", "text/html")], body: "<html><body>It works!</body></html>")
        }) { base, received in
            let client = try Self.client(base + "/open_api/", clock: clock)
            let error = await #expect(throws: SyncError.self) { try await client.get("advertiser/info", query: [("advertiser_ids", "[\"1\"]")]) }
            #expect(error?.kind == .unreachable)
            #expect(error?.message.contains("\(base)/open_api/v1.3/advertiser/info/ answered HTTP 200 (text/html") == true, "\(String(describing: error))")
            #expect(received.value.count == 3)
            #expect(clock.sleeps.count == 2)
            #expect(clock.sleeps.reduce(.zero, +) <= .milliseconds(1500))
        }
    }

    @Test func aRefusedConnectionStopsTheClientAfterThreeQuickAttempts() async throws {
        let clock = VirtualClock()
        let client = try Self.client("http://127.0.0.1:1/open_api/", clock: clock)
        let error = await #expect(throws: SyncError.self) { try await client.get("user/info", query: []) }
        #expect(error?.kind == .unreachable)
        #expect(error?.message.hasPrefix("Cannot reach the TikTok API at http://127.0.0.1:1/open_api/v1.3/user/info/: connection refused (3 attempts).") == true,
                "\(String(describing: error))")
        #expect(clock.sleeps.count == 2)
    }

    @Test func aTLSHandshakeThatFailsStopsTheClientNamingTheReason() async throws {
        let clock = VirtualClock()
        try await HostileServer.with(answer: { _ in HostileAnswer(body: "{}") }) { base, received in
            // https to a server that speaks plain HTTP: the handshake fails.
            let client = try Self.client(base.replacingOccurrences(of: "http://", with: "https://") + "/open_api/", clock: clock)
            let error = await #expect(throws: SyncError.self) { try await client.get("user/info", query: []) }
            #expect(error?.kind == .unreachable)
            #expect(error?.message.contains("TLS handshake failed (") == true, "\(String(describing: error))")
            #expect(error?.message.contains("right scheme and port") == true)
            #expect(received.value.isEmpty, "no HTTP request got through")
        }
    }

    /// After TikTok answered once, an HTML page or a refused connection is a passing fault: retried to the end of
    /// the ordinary budget, then reported as such.
    @Test func midRunTheSameFailuresAreRetriedAsUsual() async throws {
        let clock = VirtualClock()
        let served = Protected(0)
        try await HostileServer.with(answer: { _ in
            let n = served.withLock { $0 += 1; return $0 }
            if n == 1 { return HostileAnswer(body: #"{"code":0,"message":"OK","request_id":"r","data":{}}"#) }
            return HostileAnswer(status: 200, headers: [("Content-Type", "text/html")], body: "<html>maintenance</html>")
        }) { base, received in
            let client = try Self.client(base + "/open_api/", clock: clock)
            _ = try await client.get("user/info", query: [])
            let error = await #expect(throws: SyncError.self) { try await client.get("user/info", query: []) }
            #expect(error?.kind == .transient, "\(String(describing: error))")
            #expect(received.value.count == 1 + 6, "every attempt of the ordinary budget")
        }
        // A client that has heard TikTok before, and now finds nothing listening: retried as usual too.
        let client = try Self.client("http://127.0.0.1:1/open_api/", clock: clock)
        client.contact.record(Self.answer(200, #"{"code":0,"message":"OK","data":{}}"#, "application/json"))
        let sleepsBefore = clock.sleeps.count
        let error = await #expect(throws: SyncError.self) { try await client.get("user/info", query: []) }
        #expect(error?.kind == .transient, "\(String(describing: error))")
        #expect(error?.message.contains("after 6 attempts (last: connection refused)") == true, "\(String(describing: error))")
        #expect(clock.sleeps.count - sleepsBefore == 5)
    }
}
