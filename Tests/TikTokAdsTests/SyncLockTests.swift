import Foundation
import SyncKit
import Testing

/// `SyncLock`: one lock per database file, whatever name reaches it; a file with extra hard links is refused.
struct SyncLockTests {
    /// A fresh real directory (its own path resolved, so expectations compare real paths).
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-lock-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return try #require(realpath(path, nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        })
    }

    static func lock(_ path: String) throws -> SyncLock {
        try SyncLock.database(at: path, displayName: "sqlite:\(path)")
    }

    @Test func aSymlinkSharesTheLockOfItsTarget() throws {
        let dir = try Self.directory()
        let database = dir + "/db.sqlite"
        #expect(FileManager.default.createFile(atPath: database, contents: Data()))
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.sqlite", withDestinationPath: database)
        try FileManager.default.createSymbolicLink(atPath: dir + "/linked-dir", withDestinationPath: dir)
        try FileManager.default.createSymbolicLink(atPath: dir + "/relative.sqlite", withDestinationPath: "db.sqlite")

        let direct = try Self.lock(database)
        #expect(direct.path == database + ".lock")
        for name in ["/link.sqlite", "/linked-dir/db.sqlite", "/linked-dir/link.sqlite", "/relative.sqlite", "/./db.sqlite"] {
            let other = try Self.lock(dir + name)
            #expect(other.path == direct.path, "\(name)")
            #expect(other.databaseFile == database, "\(name)")
            #expect(other.destination == "sqlite:\(dir + name)", "messages keep the name the user gave")
        }

        // Holding one name's lock keeps every other name out.
        let held = try direct.acquire()
        #expect(try Self.lock(dir + "/link.sqlite").tryAcquire() == nil)
        let busy = try Self.lock(dir + "/link.sqlite")
        #expect(throws: SyncError.self) { try busy.acquire() }
        #expect(busy.busyError.message.contains("Another sync is writing to sqlite:\(dir)/link.sqlite (pid \(getpid()))"))
        held.release()
        let again = try #require(try Self.lock(dir + "/link.sqlite").tryAcquire())
        again.release()
    }

    @Test func aFileWithAHardLinkIsRefusedWithTheReasonAndTheFix() throws {
        let dir = try Self.directory()
        let database = dir + "/db.sqlite"
        #expect(FileManager.default.createFile(atPath: database, contents: Data("x".utf8)))
        let single = try Self.lock(database)
        #expect(link(database, dir + "/other.sqlite") == 0)

        for name in [database, dir + "/other.sqlite"] {
            do {
                _ = try Self.lock(name)
                Issue.record("a hard-linked database must be refused: \(name)")
            } catch let error as SyncError {
                #expect(error.kind == .badInput)
                #expect(error.message.contains("has 2 hard links"))
                #expect(error.message.contains("howtocorrupt"))
                #expect(error.message.contains("remove the other links"))
            }
        }
        // A lock found before the link appeared is refused when taken, and is not left held.
        #expect(throws: SyncError.self) { try single.tryAcquire() }
        #expect(unlink(dir + "/other.sqlite") == 0)
        let held = try #require(try single.tryAcquire())
        held.release()
        #expect(try String(contentsOfFile: database, encoding: .utf8) == "x", "refusing writes nothing to the database")
    }

    @Test func aFileNotCreatedYetIsLockedInItsResolvedDirectory() throws {
        let dir = try Self.directory()
        try FileManager.default.createDirectory(atPath: dir + "/real", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/alias", withDestinationPath: dir + "/real")
        let lock = try Self.lock(dir + "/alias/new.sqlite")
        #expect(lock.path == dir + "/real/new.sqlite.lock")
        #expect(lock.databaseFile == dir + "/real/new.sqlite")
        #expect(!FileManager.default.fileExists(atPath: dir + "/real/new.sqlite"), "finding the lock creates nothing")

        // A symlink to a file not created yet locks the file it will create.
        try FileManager.default.createSymbolicLink(atPath: dir + "/dangling.sqlite", withDestinationPath: dir + "/alias/later.sqlite")
        #expect(try Self.lock(dir + "/dangling.sqlite").path == dir + "/real/later.sqlite.lock")

        // A relative path resolves against the working directory.
        let relative = try Self.lock("tiktok-ads-\(UUID().uuidString).sqlite")
        #expect(relative.path.hasPrefix("/"))
    }

    @Test func aMissingDirectoryIsBadInput() throws {
        let dir = try Self.directory()
        let error = #expect(throws: SyncError.self) { try Self.lock(dir + "/no/such/dir/db.sqlite") }
        #expect(error?.kind == .badInput)
        #expect(error?.message.contains("does not exist") == true)
    }

    @Test func aRemoteDestinationIsLockedByItsName() throws {
        let dir = try Self.directory()
        let lock = SyncLock.named("bigquery:proj.tiktok_ads", in: dir)
        #expect(lock.path == dir + "/tiktok-ads-bigquery_proj_tiktok_ads.lock")
        #expect(lock.databaseFile == nil)
        let held = try lock.acquire()
        #expect(try SyncLock.named("bigquery:proj.tiktok_ads", in: dir).tryAcquire() == nil)
        held.release()
    }
}
