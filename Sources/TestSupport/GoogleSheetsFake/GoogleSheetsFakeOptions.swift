/// How a `GoogleSheetsFake` behaves: quotas, accepted tokens, limits and injected faults.
package struct GoogleSheetsFakeOptions: Sendable {
    /// Write requests per user (token) in any `quotaWindow`; Google's default is 60 per minute.
    package var writeRequestsPerMinutePerUser = 60
    /// Read requests per user (token) in any `quotaWindow`; Google's default is 60 per minute.
    package var readRequestsPerMinutePerUser = 60
    /// The sliding window quotas are counted over.
    package var quotaWindow: Duration = .seconds(60)
    /// Time since some fixed origin; real monotonic time unless replaced (see `useClock`).
    package var now: @Sendable () -> Duration
    /// When set, only these bearer tokens are accepted; otherwise any non-empty token is.
    package var acceptedTokens: Set<String>?
    package var limits = SheetsFakeLimits()
    package var faults: [SheetsFakeFault] = []
    /// Seeds the generator behind `SheetsFakeFault.Trigger.rate`.
    package var randomSeed: UInt64 = 1

    package init() {
        let start = ContinuousClock.now
        now = { ContinuousClock.now - start }
    }

    /// Counts quota windows on `clock` instead of real time.
    package mutating func useClock(_ clock: VirtualClock) {
        now = { clock.now.offset }
    }
}
