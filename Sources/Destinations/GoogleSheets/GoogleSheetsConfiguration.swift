import Foundation
import SyncKit

/// Which spreadsheet the Google Sheets destination writes and how: endpoint, request size, pacing, limits.
public struct GoogleSheetsConfiguration: Sendable {
    /// The spreadsheet id (the part after `/d/` in its URL).
    public var spreadsheetID: String
    /// Up to the host, e.g. `https://sheets.googleapis.com` (requests go to `\(apiBaseURL)/v4/spreadsheets/...`).
    public var apiBaseURL: String
    /// The largest request body the destination builds (Google recommends about 2 MB).
    public var maxRequestBytes: Int
    /// Write requests per minute (Google allows 60 per user; stay under it).
    public var writeRequestsPerMinute: Int
    /// Read requests per minute (Google allows 60 per user).
    public var readRequestsPerMinute: Int
    /// Cells per spreadsheet, over all tabs and including empty grid cells.
    public var maxCells: Int
    /// Characters per cell; longer text is cut and ends with `truncationMarker`.
    public var maxCellCharacters: Int
    /// Retries of 429, 5xx and transport failures (their backoff waits on the destination's clock).
    public var retryPolicy: RetryPolicy
    public var requestTimeout: Duration

    public static let googleBaseURL = "https://sheets.googleapis.com"
    public static let truncationMarker = " …[truncated by tiktok-ads: over 50,000 characters]"

    public init(spreadsheet: String, apiBaseURL: String? = nil, maxRequestBytes: Int = 2_000_000,
                writeRequestsPerMinute: Int = 55, readRequestsPerMinute: Int = 55, maxCells: Int = 10_000_000,
                maxCellCharacters: Int = 50_000,
                retryPolicy: RetryPolicy = RetryPolicy(maxAttempts: 7, baseDelay: .seconds(1), maxDelay: .seconds(64), rateLimitDelay: .seconds(2)),
                requestTimeout: Duration = .seconds(180)) throws {
        guard let id = Self.spreadsheetID(from: spreadsheet) else {
            throw SyncError(.badInput, "'\(spreadsheet)' is not a Google Sheets spreadsheet id or URL. Pass --spreadsheet with the URL of the sheet (https://docs.google.com/spreadsheets/d/ID/edit) or its ID.")
        }
        self.spreadsheetID = id
        var base = apiBaseURL ?? Self.googleBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.apiBaseURL = base
        self.maxRequestBytes = max(10_000, maxRequestBytes)
        self.writeRequestsPerMinute = max(1, writeRequestsPerMinute)
        self.readRequestsPerMinute = max(1, readRequestsPerMinute)
        self.maxCells = maxCells
        self.maxCellCharacters = max(Self.truncationMarker.utf16.count + 1, maxCellCharacters)
        self.retryPolicy = retryPolicy
        self.requestTimeout = requestTimeout
    }

    /// The id from a spreadsheet URL (`…/spreadsheets/d/ID/…`) or a bare id; nil when it is neither.
    public static func spreadsheetID(from text: String) -> String? {
        var candidate = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let range = candidate.range(of: "/d/") {
            candidate = String(candidate[range.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" })
        } else if candidate.contains("/") {
            return nil
        }
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_"))
        guard candidate.count >= 10, candidate.unicodeScalars.allSatisfy({ allowed.contains($0) && $0.isASCII }) else { return nil }
        return candidate
    }
}
