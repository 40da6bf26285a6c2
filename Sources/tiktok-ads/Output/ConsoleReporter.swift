import Foundation
import SyncKit

/// Progress lines on a terminal and the summary table at the end of a run.
struct ConsoleReporter: Sendable {
    let showProgress: Bool
    /// Plain-text notices (skipped advertisers); in JSON mode the structured log already carries them.
    let showNotices: Bool

    init(options: OutputOptions) {
        showProgress = !options.quiet && options.logFormat == .text && isatty(STDERR_FILENO) == 1
        showNotices = options.logFormat == .text
    }

    func progress(_ event: SyncProgress) {
        switch event {
        case .skipped(let advertiser, let reason) where showNotices:
            // Skips are shown even off a terminal: the user must act on them.
            FileHandle.standardError.write(Data("skipped advertiser \(advertiser): \(SecretRedactor.redact(reason))\n".utf8))
        case .finished(let key, let rows) where showProgress:
            FileHandle.standardError.write(Data("  done \(key.object) for \(key.advertiserID): \(rows) rows\n".utf8))
        default:
            break
        }
    }

    /// The end-of-run table: rows, requests, retries and errors per object.
    static func summary(_ run: RunRecord) -> String {
        var lines: [[String]] = [["object", "rows", "requests", "retries", "errors"]]
        for (object, stats) in run.objects.sorted(by: { $0.key < $1.key }) {
            lines.append([object, "\(stats.rows)", "\(stats.requests)", "\(stats.retries)", "\(stats.errors)"])
        }
        lines.append(["total", "\(run.totalRows)", "\(run.totalRequests)",
                      "\(run.objects.values.reduce(0) { $0 + $1.retries })", "\(run.objects.values.reduce(0) { $0 + $1.errors })"])
        let widths = (0..<5).map { column in lines.map { $0[column].count }.max() ?? 0 }
        var text = ""
        for (index, line) in lines.enumerated() {
            if index == lines.count - 1 { text += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
            text += line.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[0], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ") + "\n"
        }
        let seconds = run.endedAt.map { $0.timeIntervalSince(run.startedAt) } ?? 0
        text += "status: \(run.status.rawValue), run \(run.id), \(String(format: "%.1f", seconds)) s\n"
        for (advertiser, reason) in run.skippedAdvertisers.sorted(by: { $0.key < $1.key }) {
            text += "skipped advertiser \(advertiser): \(reason)\n"
        }
        for error in run.errors { text += "error: \(error)\n" }
        return SecretRedactor.redact(text)
    }
}
