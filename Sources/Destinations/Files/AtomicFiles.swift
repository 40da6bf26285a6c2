import Foundation
import SyncKit
#if canImport(Glibc)
import Glibc
private let posixWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let posixWrite = Darwin.write
#endif

/// Whole-file writes a reader never sees half of: the text goes to a temporary name in the same directory, is
/// flushed (fsync), renamed over the target, and the directory is flushed so the rename survives a power loss.
enum AtomicFiles {
    /// The suffix of temporary and staging files; a sync removes any it finds left by a killed run.
    static let temporarySuffix = ".tiktok-ads-tmp"
    static let stagingSuffix = ".tiktok-ads-staging"

    static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent("." + url.lastPathComponent + temporarySuffix).path
    }

    static func failure(_ what: String, _ path: String, _ code: Int32 = errno) -> SyncError {
        SyncError(.destination, "Cannot \(what) \(path): \(String(cString: strerror(code))). Check the directory is writable and has space.")
    }

    /// Replaces the file at `path` with `text`, atomically.
    static func write(_ text: String, to path: String) throws {
        let temporary = temporaryPath(for: path)
        try put(text, at: temporary, flags: O_TRUNC, flush: true)
        guard rename(temporary, path) == 0 else {
            let error = failure("rename into place", path)
            unlink(temporary)
            throw error
        }
        try syncDirectory(of: path)
    }

    /// Adds `text` to the end of the file (created, or emptied first when `fresh`); not flushed: a staging file
    /// only becomes data through `write`.
    static func append(_ text: String, to path: String, fresh: Bool) throws {
        try put(text, at: path, flags: fresh ? O_TRUNC : O_APPEND, flush: false)
    }

    private static func put(_ text: String, at path: String, flags: Int32, flush: Bool) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0o644)
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
        if flush, fsync(descriptor) != 0 { throw failure("flush", path) }
    }

    /// Flushes the directory holding `path` (its entries: creations, renames, removals).
    static func syncDirectory(of path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open the directory", directory) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("flush the directory", directory) }
    }

    /// Removes a file and flushes its directory.
    static func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else { throw failure("remove", path) }
        try syncDirectory(of: path)
    }

    /// Creates a directory (and its parents) if it is missing, and flushes its parent.
    static func makeDirectory(_ path: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw SyncError(.destination, "Cannot create the directory \(path). Check its parent is writable.", cause: error)
        }
        try syncDirectory(of: path)
    }

    /// The file's text, or nil when there is no file.
    static func read(_ path: String) throws -> String? {
        do {
            return String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        } catch CocoaError.fileReadNoSuchFile {
            return nil
        } catch {
            throw SyncError(.destination, "Cannot read \(path). Check it is readable.", cause: error)
        }
    }

    /// The file's first line (a header, or one object), or nil when the file is empty.
    static func firstLine(_ path: String) throws -> String? {
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
