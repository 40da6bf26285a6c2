import Destinations
import Foundation
import SyncKit
import Testing
import TestSupport

/// The job path the emulator cannot show (it ignores job ids, never answers 409, finishes jobs at once):
/// against a local mock of jobs.insert / jobs.get / getQueryResults with scripted answers, and a virtual
/// clock (`VirtualClock`) whose time jumps on every wait and which records each one. Each test asserts the exact call sequence.
/// The request timeout is real time, so it is set far beyond any answer of the local mock however loaded the machine
/// (at 10 s, a loaded run once saw an insert time out and retried, which changed the call sequence).
struct BigQueryJobTests {
    static func destination(_ baseURL: String, clock: VirtualClock,
                            retryPolicy: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: .seconds(1), maxDelay: .seconds(8),
                                                                   rateLimitDelay: .seconds(5)),
                            pollInterval: Duration = .seconds(1), maxPollInterval: Duration = .seconds(4),
                            jobTimeout: Duration = .seconds(3600)) throws -> BigQueryDestination {
        let configuration = BigQueryConfiguration(
            project: "p", dataset: "d", location: "US", apiBaseURL: baseURL, retryPolicy: retryPolicy,
            pollInterval: pollInterval, maxPollInterval: maxPollInterval, jobTimeout: jobTimeout, requestTimeout: .seconds(600),
            environment: [:], clock: clock)
        return try BigQueryDestination(configuration: configuration, auth: StaticToken(), logger: BigQueryHarness.logger())
    }

    /// The deterministic id of the `n`th job of a destination's run, when every job is a `select`.
    static func selectJob(_ destination: BigQueryDestination, _ n: Int = 1) -> String {
        "tiktok_ads_query_select_\(destination.runID)_\(n)"
    }

    static func within(_ duration: Duration, _ low: Duration, _ high: Duration) -> Bool { duration >= low && duration <= high }

    @Test func a409OnARetriedInsertFetchesTheExistingJobInsteadOfSubmittingItAgain() async throws {
        let mock = BigQueryAPIMock()
        let clock = VirtualClock()
        try await mock.withRunning { url in
            let destination = try Self.destination(url, clock: clock)
            let id = Self.selectJob(destination)
            // The first insert reached BigQuery but its answer was a 503; the retry with the same id is a duplicate.
            mock.script(.insert, [.error(503, "backendError", "The service is currently unavailable."), .duplicate])
            mock.script(.get, [.job("RUNNING"), .job("DONE")])
            let rows = try await destination.select("SELECT 42")
            #expect(rows == [["42"]])
            #expect(mock.calls == ["insert \(id)", "insert \(id)", "get \(id)", "get \(id)", "results \(id)"])
            #expect(mock.authorization == ["Bearer ya29.mock-token"])
            let waits = clock.sleeps
            #expect(waits.count == 2, "\(waits)")
            #expect(Self.within(waits[0], .milliseconds(500), .seconds(1)), "retry backoff \(waits)")
            #expect(waits[1] == .seconds(1), "first poll \(waits)")
        }
    }

    @Test func aRunningJobIsPolledWithBackoffUntilDoneThenItsErrorResultIsChecked() async throws {
        let mock = BigQueryAPIMock()
        let clock = VirtualClock()
        try await mock.withRunning { url in
            let destination = try Self.destination(url, clock: clock)
            let id = Self.selectJob(destination, 1)
            mock.script(.insert, [.job("PENDING")])
            mock.script(.get, [.job("PENDING"), .job("RUNNING"), .job("RUNNING"), .job("RUNNING"), .job("DONE")])
            #expect(try await destination.select("SELECT 42") == [["42"]])
            #expect(mock.calls == ["insert \(id)"] + Array(repeating: "get \(id)", count: 5) + ["results \(id)"])
            // Doubling from pollInterval (1 s) up to maxPollInterval (4 s).
            #expect(clock.sleeps == [.seconds(1), .seconds(2), .seconds(4), .seconds(4), .seconds(4)])

            // DONE is not success: the errorResult of a polled job fails the call, without a results read or a retry.
            let failing = Self.selectJob(destination, 2)
            mock.script(.insert, [.job("RUNNING")])
            mock.script(.get, [.job("DONE", error: ("accessDenied", "Access Denied: Table p:d.t: User does not have permission"))])
            let error = await #expect(throws: BigQueryError.self) { try await destination.select("SELECT * FROM t") }
            #expect(error?.code == .accessDenied)
            #expect(error?.message.contains("BigQuery Data Editor") == true, "\(String(describing: error))")
            #expect(error?.message.contains(failing) == true)
            #expect(Array(mock.calls.suffix(2)) == ["insert \(failing)", "get \(failing)"])
        }
    }

    @Test func aJobThatNeverFinishesFailsAfterTheJobTimeout() async throws {
        let mock = BigQueryAPIMock(defaultGetState: "RUNNING")
        let clock = VirtualClock()
        try await mock.withRunning { url in
            // Virtual minutes, so the real time the polls take (milliseconds) never counts for the bound.
            let destination = try Self.destination(url, clock: clock, pollInterval: .seconds(60), maxPollInterval: .seconds(240),
                                                   jobTimeout: .seconds(600))
            let id = Self.selectJob(destination)
            mock.script(.insert, [.job("RUNNING")])
            let error = await #expect(throws: BigQueryError.self) { try await destination.select("SELECT 42") }
            #expect(error?.code == .jobTimedOut)
            #expect(error?.message.contains("\(id) is still RUNNING after 600.0 s (4 polls)") == true, "\(String(describing: error))")
            #expect(error?.message.contains("bq show -j \(id)") == true)
            // 1 + 2 + 4 + the 3 minutes left: the wait is bounded by jobTimeout, not by the number of polls.
            #expect(clock.sleeps == [.seconds(60), .seconds(120), .seconds(240), .seconds(180)])
            #expect(mock.calls == ["insert \(id)"] + Array(repeating: "get \(id)", count: 4))
        }
    }

    @Test func backendErrorRateLimitExceededAnd5xxAreRetriedWithBackoff() async throws {
        let mock = BigQueryAPIMock()
        let clock = VirtualClock()
        try await mock.withRunning { url in
            let destination = try Self.destination(url, clock: clock)
            let id = Self.selectJob(destination)
            mock.script(.insert, [
                .error(503, "backendError", "The service is currently unavailable."),          // HTTP 5xx: the same request again
                .error(403, "rateLimitExceeded", "Exceeded rate limits: too many api requests"),  // rate limited: a longer wait
                .job("DONE", error: ("backendError", "Error encountered during execution. Retrying may solve the problem.")),
            ])  // the failed job is resubmitted as <id>_2, which succeeds
            mock.script(.results, [.error(500, "internalError", "Internal error encountered.")])
            #expect(try await destination.select("SELECT 42") == [["42"]])
            #expect(mock.calls == ["insert \(id)", "insert \(id)", "insert \(id)", "insert \(id)_2", "results \(id)_2", "results \(id)_2"])
            let waits = clock.sleeps
            #expect(waits.count == 4, "\(waits)")
            #expect(Self.within(waits[0], .milliseconds(500), .seconds(1)), "after the 503: \(waits)")
            #expect(Self.within(waits[1], .seconds(4), .seconds(8)), "after rateLimitExceeded (5 s floor, doubled, capped at 8 s): \(waits)")
            #expect(Self.within(waits[2], .milliseconds(500), .seconds(1)), "after the job's backendError: \(waits)")
            #expect(Self.within(waits[3], .milliseconds(500), .seconds(1)), "after the 500 on results: \(waits)")
        }
    }

    @Test func aJobThatKeepsFailingWithBackendErrorGivesUpAfterMaxAttempts() async throws {
        let mock = BigQueryAPIMock()
        let clock = VirtualClock()
        try await mock.withRunning { url in
            let destination = try Self.destination(url, clock: clock)
            let id = Self.selectJob(destination)
            mock.script(.insert, Array(repeating: .job("DONE", error: ("backendError", "Backend error.")), count: 4))
            let error = await #expect(throws: BigQueryError.self) { try await destination.select("SELECT 42") }
            #expect(error?.code == .transient)
            #expect(error?.message.contains("failed 4 time(s)") == true, "\(String(describing: error))")
            #expect(error?.message.contains("Try again later") == true)
            #expect(mock.calls == ["insert \(id)", "insert \(id)_2", "insert \(id)_3", "insert \(id)_4"])
            // Exponential: [0.5, 1], [1, 2], [2, 4] seconds.
            let waits = clock.sleeps
            #expect(waits.count == 3, "\(waits)")
            for (i, wait) in waits.enumerated() {
                let high = Duration.seconds(1 << i)
                #expect(Self.within(wait, high / 2, high), "\(i): \(waits)")
            }
        }
    }

    @Test func anInvalidQueryFailsAtOnceWithBigQuerysMessage() async throws {
        let mock = BigQueryAPIMock()
        let clock = VirtualClock()
        try await mock.withRunning { url in
            let destination = try Self.destination(url, clock: clock)
            let id = Self.selectJob(destination, 1)
            mock.script(.insert, [.job("DONE", error: ("invalidQuery", "Unrecognized name: spendd at [1:8]"))])
            let error = await #expect(throws: BigQueryError.self) { try await destination.select("SELECT spendd FROM t") }
            #expect(error?.code == .invalid)
            #expect(error?.reason == "invalidQuery")
            let message = error?.message ?? ""
            #expect(message.contains("BigQuery job \(id) failed while running a query (invalidQuery): Unrecognized name: spendd at [1:8]."), "\(message)")
            #expect(message.contains("bq show --format=prettyjson -j \(id)"))
            #expect(mock.calls == ["insert \(id)"])

            // Rejected by jobs.insert itself (HTTP 400): not retried either.
            let rejected = Self.selectJob(destination, 2)
            mock.script(.insert, [.error(400, "invalidQuery", "Syntax error: Unexpected end of script at [1:7]")])
            let second = await #expect(throws: BigQueryError.self) { try await destination.select("SELECT") }
            #expect(second?.code == .invalid)
            #expect(second?.message.contains("Syntax error: Unexpected end of script") == true, "\(String(describing: second))")
            #expect(mock.calls == ["insert \(id)", "insert \(rejected)"])
            #expect(clock.sleeps.isEmpty)
        }
    }
}
