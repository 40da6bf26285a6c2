import Foundation
import SyncKit
import Testing
import TestSupport
import TikTokSimulator

/// The `tiktok-ads` binary, built next to the test bundle. Child processes are awaited without
/// blocking a thread of the concurrency pool: the in-process simulator they talk to needs those threads.
enum ToolBinary {
    static var url: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tiktok-ads")
    }

    /// The environment of a child that inherits nothing: a config directory that does not exist, so no credentials
    /// file of the machine's user is ever read.
    static let isolated = [
        "PATH": "/usr/bin:/bin",
        "XDG_CONFIG_HOME": FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-tests-no-config-\(getpid())").path,
    ]

    /// A started child process and its exit status.
    struct Child: Sendable {
        let pid: Int32
        let exit: Task<Int32, Never>

        let exited: Protected<Bool>

        var isRunning: Bool { !exited.value }
    }

    static func start(_ arguments: [String], environment: [String: String], output: FileHandle? = nil, error: FileHandle? = nil,
                      inheritEnvironment: Bool = true, currentDirectory: URL? = nil, executable: URL = url) throws -> Child {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        process.environment = inheritEnvironment
            ? ProcessInfo.processInfo.environment.merging(environment) { $1 } : isolated.merging(environment) { $1 }
        process.standardOutput = output ?? FileHandle.nullDevice
        process.standardError = error ?? FileHandle.nullDevice
        let (statuses, continuation) = AsyncStream.makeStream(of: Int32.self)
        let exited = Protected(false)
        process.terminationHandler = { finished in
            exited.withLock { $0 = true }
            continuation.yield(finished.terminationStatus)
            continuation.finish()
        }
        try process.run()
        let exit = Task { await statuses.first { _ in true } ?? -1 }
        return Child(pid: process.processIdentifier, exit: exit, exited: exited)
    }

    /// Starts the tool once per fraction and SIGKILLs it when the simulator logs the request that reaches that fraction
    /// of `requestsPerRun` API calls (`requestLog`), before answering it: during the first fetches, mid-run, late.
    /// Returns how many runs were killed (a run that finished first is not counted).
    static func killMidRun(_ arguments: [String], environment: [String: String], requestsPerRun: Int, fractions: [Double],
                           requestLog: RequestLog) async throws -> Int {
        var kills = 0
        for fraction in fractions {
            let target = max(1, Int(Double(requestsPerRun) * fraction))
            let base = requestLog.totalCount
            let run = try await run(arguments, environment: environment, signal: SIGKILL, requestLog: requestLog) { $0 - base >= target }
            if run.signalled { kills += 1 }
        }
        return kills
    }

    /// Runs the tool and sends it `signal` from the simulator as soon as `isDue` holds for a request just logged (it
    /// gets the log's total count), before that request is answered: the child has not received that answer, so the
    /// signal lands mid-run however slowly the machine lets this test watch. (Tests once polled the count, and on a
    /// loaded machine a run finished and recorded success before the signal came.) Returns the exit status and whether
    /// the signal was sent.
    static func run(_ arguments: [String], environment: [String: String], signal: Int32, requestLog: RequestLog,
                    when isDue: @escaping @Sendable (_ totalCount: Int) -> Bool) async throws -> (exit: Int32, signalled: Bool) {
        // The child's pid, whether its due request came (maybe before the pid was known), and whether it was signalled.
        let run = Protected<(pid: pid_t?, due: Bool, signalled: Bool)>((nil, false, false))
        @Sendable func signalIfDue(_ state: inout (pid: pid_t?, due: Bool, signalled: Bool)) {
            guard state.due, !state.signalled, let pid = state.pid else { return }
            kill(pid, signal)
            state.signalled = true
        }
        requestLog.observe { total in
            guard isDue(total) else { return }
            run.withLock { state in
                state.due = true
                signalIfDue(&state)
            }
        }
        defer { requestLog.observe(nil) }
        let child = try start(arguments, environment: environment)
        run.withLock { state in
            state.pid = child.pid
            signalIfDue(&state)
        }
        let exit = await child.exit.value
        return (exit, run.withLock { $0.signalled })
    }

    /// Runs the tool to completion and returns its exit code.
    static func run(_ arguments: [String], environment: [String: String]) async throws -> Int32 {
        try await start(arguments, environment: environment).exit.value
    }

    /// Runs the tool and returns its exit code, standard output and standard error.
    static func capture(_ arguments: [String], environment: [String: String] = [:],
                        currentDirectory: URL? = nil) async throws -> (code: Int32, out: String, err: String) {
        let out = Pipe(), err = Pipe()
        let child = try start(arguments, environment: environment, output: out.fileHandleForWriting, error: err.fileHandleForWriting,
                              inheritEnvironment: false, currentDirectory: currentDirectory)
        try out.fileHandleForWriting.close()
        try err.fileHandleForWriting.close()
        async let outText = readAll(out.fileHandleForReading)
        async let errText = readAll(err.fileHandleForReading)
        let code = await child.exit.value
        let (outResult, errResult) = (await outText, await errText)
        // The secrets sweep: nothing the tool was given as a secret may appear in its output or its database.
        func value(of flag: String) -> String? { zip(arguments, arguments.dropFirst()).first { $0.0 == flag }?.1 }
        let database = value(of: "--sqlite")
        // PostgreSQL: the test server's password and one given in --postgres-url are secrets too, and the schema's tables are swept.
        let passwords = [PostgresHarness.url, value(of: "--postgres-url")].compactMap { $0.flatMap(PostgresHarness.password(in:)) }
        var captured = ["stdout of \(arguments.first ?? "")": outResult, "stderr of \(arguments.first ?? "")": errResult]
        if PostgresHarness.url != nil, let schema = value(of: "--postgres-schema") {
            captured.merge(try await PostgresHarness.allText(schema)) { $1 }
        }
        try await SyncHarness.expectNoLeaks(SecretSweep(SecretSweep(environment: environment).secrets + passwords), database: database,
                                            captured: captured)
        return (code, outResult, errResult)
    }

    /// Runs the tool with its standard error on a pseudo-terminal (so it believes a person is watching) and returns
    /// its exit code, standard output and everything it drew on the terminal.
    static func underTerminal(_ arguments: [String], environment: [String: String]) async throws -> (code: Int32, out: String, terminal: String) {
        // posix_openpt and friends are not visible to Swift on Linux; these are their ioctls (asm-generic values).
        let unlockTerminal: UInt = 0x4004_5431  // TIOCSPTLCK
        let terminalNumber: UInt = 0x8004_5430  // TIOCGPTN
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        var unlocked: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, unlockTerminal, &unlocked) == 0, ioctl(master, terminalNumber, &number) == 0 else {
            throw POSIXError(.ENOTTY)
        }
        let follower = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        guard follower >= 0 else { throw POSIXError(.ENOTTY) }
        let terminal = FileHandle(fileDescriptor: follower, closeOnDealloc: true)
        let out = Pipe()
        let child = try start(arguments, environment: environment, output: out.fileHandleForWriting, error: terminal,
                              inheritEnvironment: false)
        try out.fileHandleForWriting.close()
        try terminal.close()
        async let outText = readAll(out.fileHandleForReading)
        // Reading the terminal ends with an error (EIO) once the child has closed its side.
        async let drawn = withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            DispatchQueue.global().async {
                var bytes: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = read(master, &buffer, buffer.count)
                    if count <= 0 { break }
                    bytes += buffer[0..<count]
                }
                close(master)
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }
        }
        let code = await child.exit.value
        return (code, await outText, await drawn)
    }

    /// Reads a pipe to its end on a Dispatch thread, not on the concurrency pool.
    static func readAll(_ handle: FileHandle) async -> String {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: String(decoding: handle.readDataToEndOfFile(), as: UTF8.self))
            }
        }
    }

    /// Reads a pipe until `predicate` holds for the text so far (or the pipe ends), on a Dispatch thread.
    static func readUntil(_ handle: FileHandle, _ predicate: @escaping @Sendable (String) -> Bool) async -> String {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var text = ""
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    text += String(decoding: chunk, as: UTF8.self)
                    if predicate(text) { break }
                }
                continuation.resume(returning: text)
            }
        }
    }
}
