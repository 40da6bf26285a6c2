import Foundation
import SyncKit

/// The directory's own files: the marker that says tiktok-ads writes here (and in which format), the lock, and the
/// leftovers of killed runs.
extension FilesDestination {
    static let markerName = ".tiktok-ads"
    static let lockName = ".tiktok-ads.lock"
    /// The suffix of the hidden staging files earlier versions kept entity listings in; a sync removes any it finds.
    static let stagingSuffix = ".tiktok-ads-staging"

    var markerPath: String { directory + "/" + Self.markerName }

    /// The lock every command that writes takes (`sync`, `schedule`, `cleanup`, `state reset`), a file in the directory.
    public var lock: SyncLock { SyncLock(path: directory + "/" + Self.lockName, destination: displayName) }

    /// Refuses a directory tiktok-ads wrote in the other format.
    func checkMarker() throws {
        guard let text = try? String(contentsOfFile: markerPath, encoding: .utf8) else { return }
        let found = text.split(separator: "\n").first { $0.hasPrefix("format: ") }.map { String($0.dropFirst("format: ".count)) }
        guard let found, found != format.rawValue else { return }
        throw SyncError(.badInput, "\(directory) holds \(found) files written by tiktok-ads; pass --file-format \(found), or another --directory for \(format.rawValue) files.")
    }

    /// Makes the directory tiktok-ads's before anything is written in it: creates it if missing; refuses a file, and a
    /// directory that holds files tiktok-ads did not write (it has no marker and is not empty); and (re)writes the
    /// marker, which proves the directory writable. Every refusal is `.badInput` and leaves the directory as it was.
    public func claim() throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw SyncError(.badInput, "\(directory) is a file, not a directory. Pass --directory with a directory (a new one is created).")
            }
            if !FileManager.default.fileExists(atPath: markerPath) {
                let foreign = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0 != Self.lockName }.sorted()
                if !foreign.isEmpty {
                    throw SyncError(.badInput, """
                        \(directory) holds files tiktok-ads did not write (\(foreign.prefix(3).joined(separator: ", "))\(foreign.count > 3 ? ", …" : "")), \
                        so tiktok-ads wrote nothing there. Pass --directory with a new or empty directory, or one an earlier \
                        files sync wrote (it holds a \(Self.markerName) file).
                        """)
                }
            }
        }
        do {
            try AtomicFile.makeDirectory(directory)
            if FileManager.default.fileExists(atPath: markerPath) {
                try AtomicFile.probe(directory)
            } else {
                try AtomicFile.write("tiktok-ads files destination: do not put other files here\nformat: \(format.rawValue)\n", to: markerPath)
            }
        } catch let error as SyncError {
            throw SyncError(.badInput, "tiktok-ads cannot write in \(directory): \(error.message) Or pass another --directory.")
        }
    }

    /// `claim`, then the removal of the temporary files (and older versions' staging files) a killed run left anywhere
    /// in the directory, once per instance (on the destination's queue), before its first write; every command that
    /// writes holds the directory's lock, so no other run's temporary file is swept.
    func claimOnce() throws {
        guard !session.withLock({ $0.claimed }) else { return }
        try claim()
        try AtomicFile.sweep(directory, alsoEnding: [Self.stagingSuffix])
        session.withLock { $0.claimed = true }
    }
}

extension FilesDestination: WritabilityChecking {
    /// Claims the directory (creating it, or refusing one that holds other files) and writes its marker.
    public func checkWritable() async throws { try claim() }
}
