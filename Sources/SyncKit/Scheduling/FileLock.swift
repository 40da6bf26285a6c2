import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive advisory lock on a file, shared by every process that syncs into one destination.
/// The kernel releases it when the process ends, however it ends (SIGKILL included).
public final class FileLock: Sendable {
    public let path: String
    private let descriptor: Protected<Int32?>

    /// Takes the lock, or returns nil at once if another process holds it.
    public init?(path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SyncError(.badInput, "Cannot create the lock file \(path): \(String(cString: strerror(errno))). Check the directory is writable.")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        // Record who holds it, for the message another process prints.
        let note = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = note.withCString { pwrite(fd, $0, strlen($0), 0) }
        self.path = path
        descriptor = Protected(fd)
    }

    /// Runs `body` holding the lock at `path`; nil (without running it) when another process holds it.
    public static func withLock<T: Sendable>(at path: String, _ body: () async throws -> T) async throws -> T? {
        guard let lock = try FileLock(path: path) else { return nil }
        defer { lock.release() }
        return try await body()
    }

    /// Releases the lock (also done, as a safety net, when the object goes away).
    public func release() {
        descriptor.withLock { fd in
            guard let open = fd else { return }
            flock(open, LOCK_UN)
            close(open)
            fd = nil
        }
    }

    /// The process id written by the current holder, if readable.
    public static func holder(of path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit { release() }
}
