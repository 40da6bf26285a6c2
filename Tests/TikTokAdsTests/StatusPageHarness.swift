import AsyncHTTPClient
import Foundation
import Glibc
import NIOCore
import NIOHTTP1
import SyncKit
import Testing
import TikTokSimulator

/// Starts `schedule --metrics-port 0` or `serve --port 0` as a user would and reads the status page they serve.
enum StatusPageHarness {
    static let now = "2026-03-15T12:00:00Z"
    static let objects = ["advertiser", "campaigns", "ad_insights"]

    /// A started server: the child, the base URL its banner printed, and the file its standard error goes to.
    struct Server {
        let child: ToolBinary.Child
        let base: String
        let stderr: URL
        let stdout: String

        /// Stops it with SIGTERM and returns its exit status.
        func stop() async -> Int32 {
            kill(child.pid, SIGTERM)
            return await child.exit.value
        }
    }

    /// Starts a long-running command and waits for the banner ("status page on http://…/").
    static func start(_ arguments: [String], environment: [String: String] = [:]) async throws -> Server {
        let out = Pipe()
        let stderr = FileManager.default.temporaryDirectory.appendingPathComponent("tiktok-ads-status-page-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: stderr.path, contents: nil)
        let errorFile = try FileHandle(forWritingTo: stderr)
        let child = try ToolBinary.start(arguments, environment: environment, output: out.fileHandleForWriting, error: errorFile,
                                         inheritEnvironment: false)
        try out.fileHandleForWriting.close()
        try errorFile.close()
        let banner = await ToolBinary.readUntil(out.fileHandleForReading) { $0.contains("\n") }
        let match = try #require(banner.firstMatch(of: /status page on http:\/\/([0-9.]+):(\d+)\//),
                                 "no banner: \(banner) \((try? String(contentsOf: stderr, encoding: .utf8)) ?? "")")
        // A server bound to every interface (0.0.0.0) is reached here on the loopback address.
        let host = match.1 == "0.0.0.0" ? "127.0.0.1" : String(match.1)
        return Server(child: child, base: "http://\(host):\(match.2)", stderr: stderr, stdout: banner)
    }

    /// `schedule` on the simulator into `database`, hourly at a minute far from now (so only the catch-up run happens).
    static func startSchedule(_ url: URL, database: String, advertisers: [String], minute: String, extra: [String] = []) async throws -> Server {
        try await start(["schedule", "--hourly", minute, "--api-base-url", url.absoluteString, "--sqlite", database, "--now", now,
                         "--advertiser-ids", advertisers.joined(separator: ","), "--objects", objects.joined(separator: ","),
                         "--quiet", "--metrics-port", "0"] + extra,
                        environment: ["TIKTOK_ACCESS_TOKEN": "sim-access-token"])
    }

    static func get(_ url: String, authorization: String? = nil) async throws -> (status: Int, headers: HTTPHeaders, body: String) {
        var request = HTTPClientRequest(url: url)
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), response.headers, String(buffer: body))
    }

    /// Polls `/metrics` until the scheduler has recorded a finished run (metrics are recorded after the run's last write
    /// to the run history), and returns the metrics text. A bound of minutes against a hang, not a speed assertion.
    static func waitForFinishedRun(_ base: String) async throws -> String {
        let deadline = ContinuousClock.now.advanced(by: .seconds(600))
        while ContinuousClock.now < deadline {
            let (_, _, text) = try await get(base + "/metrics")
            if text.contains("tiktok_ads_runs_total{status=") { return text }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("no run finished")
        return ""
    }

    /// `tiktok-ads status --format json` for the same destination and instant.
    static func statusJSON(_ database: String, _ extra: [String]) async throws -> String {
        try await ToolBinary.capture(["status", "--sqlite", database, "--format", "json", "--now", now] + extra).out
    }

    static func object(_ json: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json.prefix(500))")
    }

    /// An IPv4 address of this machine other than loopback, if it has one.
    static func nonLoopbackIPv4() -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(address, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !text.hasPrefix("127.") { return text }
        }
        return nil
    }

    /// Whether a TCP connection to `host:port` (an address of this machine) is refused: a plain connect, answered at once
    /// by the kernel (an HTTP client would retry a refused connection until its deadline).
    static func connectionRefused(host: String, port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return false }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result != 0 && errno == ECONNREFUSED
    }
}
