import Synchronization

/// A value shared between concurrent tasks, guarded by a mutex; a class so closures can capture it.
public final class Protected<Wrapped: Sendable>: Sendable {
    private let mutex: Mutex<Wrapped>

    public init(_ value: Wrapped) { mutex = Mutex(value) }

    @discardableResult
    public func withLock<R: Sendable>(_ body: (inout Wrapped) throws -> R) rethrows -> R {
        try mutex.withLock { try body(&$0) }
    }

    public var value: Wrapped { mutex.withLock { $0 } }
}
