import Foundation
#if canImport(Glibc)
import Glibc
private let posixWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let posixWrite = Darwin.write
#endif

/// Whole-file writes a reader never sees half of: the text goes to a temporary name in the same directory, is
/// flushed (fsync), renamed over the target, and the directory is flushed so the rename survives a power loss.
/// Failures are `.destination` errors naming the file and the system's reason.
public enum AtomicFile {
    /// The suffix of the temporary file a write goes through (`.NAME.tiktok-ads-tmp` beside the target, hidden);
    /// a writer killed mid-write leaves one behind, which its owner may sweep.
    public static let temporarySuffix = ".tiktok-ads-tmp"

    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + temporarySuffix).path
    }

    static func failure(_ what: String, _ path: String, _ code: Int32 = errno) -> SyncError {
        SyncError(.destination, "Cannot \(what) \(path): \(String(cString: strerror(code))). Check the directory is writable and has space.")
    }

    /// Replaces the file at `path` with `text`, atomically; a new file gets `permissions`. The temporary file is
    /// created afresh (never one found there), so it has those permissions and no one else's content.
    public static func write(_ text: String, to path: String, permissions: mode_t = 0o644) throws {
        let temporary = temporaryPath(for: path)
        unlink(temporary)
        do {
            try put(text, at: temporary, permissions: permissions)
            guard rename(temporary, path) == 0 else { throw failure("rename into place", path) }
        } catch {
            unlink(temporary)  // no part of the text stays behind
            throw error
        }
        try syncDirectory(of: path)
    }

    /// Writes `text` to a new file and flushes it.
    private static func put(_ text: String, at path: String, permissions: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard descriptor >= 0 else { throw failure("create", path) }
        defer { close(descriptor) }
        var text = text
        try text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count, let base = buffer.baseAddress {
                let written = posixWrite(descriptor, base + offset, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { throw failure("write", path) }
                offset += written
            }
        }
        guard fsync(descriptor) == 0 else { throw failure("flush", path) }
    }

    /// Flushes the directory holding `path` (its entries: creations, renames, removals).
    public static func syncDirectory(of path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open the directory", directory) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("flush the directory", directory) }
    }

    /// Removes a file (if it is there) and flushes its directory.
    public static func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw failure("remove", path) }
        try syncDirectory(of: path)
    }

    /// Removes the temporary files writers killed mid-write left anywhere under `directory`, and the files ending in
    /// one of `suffixes`: for the directory's owner, while no other writer works there.
    public static func sweep(_ directory: String, alsoEnding suffixes: [String] = []) throws {
        guard let walk = FileManager.default.enumerator(atPath: directory) else { return }
        for case let file as String in walk where ([temporarySuffix] + suffixes).contains(where: file.hasSuffix) {
            try remove(directory + "/" + file)
        }
    }

    /// Proves `directory` writable: writes and removes a temporary file of this process's own (so two processes
    /// probing at once never trip over one name).
    public static func probe(_ directory: String) throws {
        let probe = directory + "/.probe-\(ProcessInfo.processInfo.processIdentifier)" + temporarySuffix
        try write("", to: probe)
        try remove(probe)
    }

    /// Creates a directory (and its parents) if it is missing, and flushes its parent.
    public static func makeDirectory(_ path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw SyncError(.destination, "Cannot create the directory \(path). Check its parent is writable.", cause: error)
        }
        try syncDirectory(of: path)
    }

    /// The file's text, or nil when there is no file.
    public static func read(_ path: String) throws -> String? {
        do {
            return String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        } catch CocoaError.fileReadNoSuchFile {
            return nil
        } catch {
            throw SyncError(.destination, "Cannot read \(path). Check it is readable.", cause: error)
        }
    }

    /// The file's first line (without its line break), or nil when the file is empty; reads no more than it needs.
    public static func firstLine(_ path: String) throws -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw failure("read", path) }
        defer { try? handle.close() }
        var line = Data()
        while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
            let part = chunk.prefix { $0 != 0x0A && $0 != 0x0D }
            line += part
            if part.count < chunk.count { break }
        }
        return line.isEmpty ? nil : String(decoding: line, as: UTF8.self)
    }
}
