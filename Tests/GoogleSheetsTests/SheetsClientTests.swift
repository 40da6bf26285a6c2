@testable import Destinations
import Foundation
import HTTPTransport
import Logging
import NIOHTTP1
import SyncKit
import Testing
import TestSupport

/// `SheetsClient.send` on the one retry loop: a 429 pauses the whole budget it came from, backoff waits on the
/// injected clock, and what fails leaves as a `SyncError`.
struct SheetsClientTests {
    /// A pacer that lets everything through and records what it was asked.
    final class RecordingPacer: RequestPacer {
        let acquired = Protected(0)
        let pauses = Protected<[Duration]>([])
        func begin(call: String) async throws -> PacingTicket {
            acquired.withLock { $0 += 1 }
            return PacingTicket(id: 0)
        }
        /// Leaves the wait after a rate limit to the retry policy, as a budget-only pacer does.
        func end(_ ticket: PacingTicket, outcome: PacedOutcome) async -> Duration? { nil }
        func pause(for duration: Duration) async { pauses.withLock { $0.append(duration) } }
    }

    static func client(_ base: String, clock: VirtualClock, writes: RecordingPacer, reads: RecordingPacer) throws -> SheetsClient {
        let configuration = try GoogleSheetsConfiguration(
            spreadsheet: GoogleSheetsDestinationTests.spreadsheet, apiBaseURL: base,
            retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: .seconds(1), maxDelay: .seconds(64), rateLimitDelay: .seconds(2)))
        return SheetsClient(configuration: configuration, transport: .shared, auth: StaticToken(), logger: GoogleSheetsDestinationTests.quiet,
                            clock: clock, writePacer: writes, readPacer: reads, counter: RequestCounter(), identity: nil)
    }

    @Test func aRateLimitedWritePausesTheWriteBudgetAndBacksOffOnTheClock() async throws {
        let clock = VirtualClock()
        let writes = RecordingPacer()
        let reads = RecordingPacer()
        let served = Protected(0)
        try await HostileServer.with(answer: { _ in
            let number = served.withLock { count in
                count += 1
                return count
            }
            return number == 1 ? HostileAnswer(status: 429, body: #"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}"#)
                               : HostileAnswer(body: #"{"spreadsheetId":"x","replies":[]}"#)
        }) { base, received in
            let client = try Self.client(base, clock: clock, writes: writes, reads: reads)
            let body = try await client.send(.POST, ":batchUpdate", body: #"{"requests":[]}"#, what: "resizing tabs")
            #expect(String(decoding: body, as: UTF8.self).contains("replies"))
            #expect(received.value.count == 2)
            #expect(client.counter.writes == 2 && client.counter.retries == 1)
        }
        // The 429 held back every writer for as long as this one backed off; reads were not touched.
        #expect(writes.acquired.value == 2 && reads.acquired.value == 0)
        #expect(writes.pauses.value.count == 1 && reads.pauses.value.isEmpty)
        #expect(clock.sleeps == writes.pauses.value)
        #expect(clock.sleeps.allSatisfy { $0 >= .seconds(1) && $0 <= .seconds(2) }, "\(clock.sleeps)")
    }

    @Test func aServerErrorThatPersistsFailsAfterThePolicysAttemptsAsASyncError() async throws {
        let clock = VirtualClock()
        let writes = RecordingPacer()
        let reads = RecordingPacer()
        try await HostileServer.with(answer: { _ in HostileAnswer(status: 503, body: #"{"error":{"code":503,"message":"The service is currently unavailable."}}"#) }) { base, received in
            let client = try Self.client(base, clock: clock, writes: writes, reads: reads)
            let error = await #expect(throws: SyncError.self) { try await client.send(.GET, "?fields=sheets.properties", what: "reading the tabs") }
            #expect(error?.kind == .destination)
            #expect(error?.message.contains("The service is currently unavailable.") == true, "\(String(describing: error))")
            #expect(error?.message.contains("3 attempts") == true)
            #expect(received.value.count == 3)
        }
        // Plain 5xx backs off without pausing the budget.
        #expect(reads.acquired.value == 3 && reads.pauses.value.isEmpty && writes.acquired.value == 0)
        #expect(clock.sleeps.count == 2)
    }
}
