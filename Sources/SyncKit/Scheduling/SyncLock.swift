import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The lock that keeps two writers (`sync`, `schedule`, `cleanup`, `state reset`) off one destination, keyed on the
/// destination's identity: a database file by its real path, so every name that reaches the file shares one lock.
public struct SyncLock: Sendable, Equatable {
    /// The lock file.
    public let path: String
    /// The destination as messages name it, e.g. `sqlite:/data/ads.sqlite`.
    public let destination: String
    /// The database file the lock guards (symlinks resolved), checked for extra hard links each time the lock is taken.
    public let databaseFile: String?

    public init(path: String, destination: String, databaseFile: String? = nil) {
        self.path = path
        self.destination = destination
        self.databaseFile = databaseFile
    }

    /// The lock of the database file at `databasePath`, which need not exist yet: `<real path>.lock`, where the real
    /// path resolves symlinks (of the file, or of its directory while the file does not exist). Throws `.badInput`
    /// when the file has more than one hard link, since SQLite cannot keep such a file safe.
    public static func database(at databasePath: String, displayName: String) throws -> SyncLock {
        let file = try resolve(databasePath)
        try refuseHardLinks(file, given: databasePath)
        return SyncLock(path: file + ".lock", destination: displayName, databaseFile: file)
    }

    /// The lock of a destination that is not a local file (BigQuery, Sheets), by its name, in `directory`.
    public static func named(_ destination: String, in directory: String = FileManager.default.temporaryDirectory.path) -> SyncLock {
        let name = destination.map { $0.isLetter || $0.isNumber ? $0 : "_" }
        return SyncLock(path: URL(fileURLWithPath: directory).appendingPathComponent("tiktok-ads-\(String(name)).lock").path,
                        destination: destination)
    }

    /// Takes the lock, or returns nil at once if another process holds it. Throws when the database file has gained
    /// a hard link since (checked under the lock, before anything is written).
    public func tryAcquire() throws -> FileLock? {
        guard let lock = try FileLock(path: path) else { return nil }
        if let databaseFile {
            do {
                try Self.refuseHardLinks(databaseFile, given: databaseFile)
            } catch {
                lock.release()
                throw error
            }
        }
        return lock
    }

    /// Takes the lock, or throws `busyError` naming the process that holds it.
    public func acquire() throws -> FileLock {
        guard let lock = try tryAcquire() else { throw busyError }
        return lock
    }

    /// The process id written by the current holder, if readable.
    public var holder: String? { FileLock.holder(of: path) }

    /// The refusal when another process holds the lock.
    public var busyError: SyncError {
        SyncError(.destination,
                  "Another sync is writing to \(destination) (pid \(holder ?? "?")). Wait for it to finish, or stop it, then run again.")
    }

    // MARK: Identity

    /// The real path of `path`: symlinks resolved; for a file not created yet (or a symlink to one), the real path
    /// of its directory plus its name.
    static func resolve(_ path: String) throws -> String {
        var current = absolute(path)
        for _ in 0..<40 {
            if let real = realPath(current) { return real }
            if let target = symlinkTarget(current) {
                // A symlink to a file that does not exist yet: SQLite would create its target, so follow it by hand.
                current = target.hasPrefix("/") ? target : directory(of: current) + "/" + target
                continue
            }
            let parent = directory(of: current), name = (current as NSString).lastPathComponent
            guard let realParent = realPath(parent) else {
                throw SyncError(.badInput, "The directory \(parent) of the database \(path) does not exist. Create it, or pass another path.")
            }
            return realParent == "/" ? "/" + name : realParent + "/" + name
        }
        throw SyncError(.badInput, "Too many symbolic links in the database path \(path). Pass the path of the file itself.")
    }

    /// Throws when the file at `file` (already resolved) exists and has more than one hard link.
    static func refuseHardLinks(_ file: String, given: String) throws {
        var info = stat()
        guard stat(file, &info) == 0, info.st_nlink > 1 else { return }
        throw SyncError(.badInput, """
            The database \(given) has \(info.st_nlink) hard links: one file under \(info.st_nlink) names. SQLite keeps its journal and \
            WAL files per name, so two syncs through different names can corrupt it (https://www.sqlite.org/howtocorrupt.html, \
            "Multiple links to the same file"), and tiktok-ads will not write to it. Use one name for the database and remove the \
            other links (`find / -xdev -samefile \(file)` lists them), or copy it to a new file and use that.
            """)
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return FileManager.default.currentDirectoryPath + "/" + path
    }

    static func directory(of path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "/" : parent
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func symlinkTarget(_ path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
