/// Something that paces outgoing calls: waits before each call, and holds calls back after a rate-limit answer.
public protocol RequestPacer: Sendable {
    func acquire() async throws
    func pause(for duration: Duration) async
}

extension RateLimiter: RequestPacer {}
