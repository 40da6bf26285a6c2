import ArgumentParser
import Foundation
import TikTokAdsApp

/// `tiktok-ads serve`: the status page of a destination that no schedule runs on (the same page as `schedule --metrics-port`).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the status page (HTML at /, JSON at /status.json) of a destination, without running a schedule.",
        discussion: """
            Reads the destination on each request, through the same code as `tiktok-ads status` (the same flags and config);
            /status.json equals `tiktok-ads status --format json`. Listens on 127.0.0.1 unless --bind says otherwise; without
            --basic-auth-file the page has no authentication. SIGTERM or SIGINT stops it.
            """)

    @OptionGroup var options: DestinationCommandOptions
    @Option(help: "Port to listen on (0 picks a free one). Default 9464.")
    var port = 9464
    @Option(name: [.customLong("bind"), .customLong("metrics-bind")], help: "Address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 for every interface).")
    var bind: String?
    @Option(name: [.customLong("basic-auth-file"), .customLong("metrics-basic-auth-file")], help: "File with user:password on its first line: the page then asks for them (basic auth).")
    var basicAuthFile: String?
    @OptionGroup var schedule: FreshnessScheduleOptions

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
        try BadInput.asValidation {
            try options.request.validateFlags()
            if let bind { try MetricsServer.checkBindAddress(bind) }
        }
    }

    func run() async throws {
        let logger = LoggingSetup.bootstrap(options.output)
        let request = options.request
        let file = try request.loadConfiguration(needsAPI: false)
        let schedule = self.schedule.settings(file: file.schedule)
        let page = try StatusPageServing(bind: bind, basicAuthFile: basicAuthFile)
        try await StatusPageService.run(request: request, schedule: schedule, port: port, page: page, logger: logger) { port in
            FileHandle.standardOutput.write(Data("status page on \(page.url(port: port)), JSON on \(page.url(port: port, path: "/status.json"))\n".utf8))
        }
    }
}
