extension Array where Element == Duration {
    /// The most instants (sorted, as arrivals are logged) that fall in any sliding window of `window`: what a server
    /// counting over that window saw at its busiest.
    package func mostInAnyWindow(of window: Duration) -> Int {
        var best = 0
        var start = 0
        for (end, t) in enumerated() {
            while self[start] <= t - window { start += 1 }
            best = Swift.max(best, end - start + 1)
        }
        return best
    }
}
