import Foundation

/// The built `tiktok-ads` binary, next to the test bundle (as in TikTokAdsTests/ToolBinary.swift). The child is
/// awaited without blocking a thread of the concurrency pool.
enum BigQueryToolBinary {
    static var url: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tiktok-ads")
    }

    static var exists: Bool { FileManager.default.isExecutableFile(atPath: url.path) }

    /// Runs the tool with only PATH and `environment`; returns its exit code, standard output and standard error.
    static func capture(_ arguments: [String], environment: [String: String]) async throws -> (code: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out.fileHandleForWriting
        process.standardError = err.fileHandleForWriting
        let (statuses, continuation) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { finished in
            continuation.yield(finished.terminationStatus)
            continuation.finish()
        }
        try process.run()
        try out.fileHandleForWriting.close()
        try err.fileHandleForWriting.close()
        async let outText = readAll(out.fileHandleForReading)
        async let errText = readAll(err.fileHandleForReading)
        let code = await statuses.first { _ in true } ?? -1
        return (code, await outText, await errText)
    }

    /// Reads a pipe to its end on a Dispatch thread, not on the concurrency pool.
    static func readAll(_ handle: FileHandle) async -> String {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: String(decoding: handle.readDataToEndOfFile(), as: UTF8.self))
            }
        }
    }
}
