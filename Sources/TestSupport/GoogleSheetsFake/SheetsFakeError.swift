/// An error the fake answers with, in Google's shape `{"error":{"code","message","status"}}`.
package struct SheetsFakeError: Error, Sendable, CustomStringConvertible {
    package var code: Int
    package var status: String
    package var message: String
    /// The legacy `errors[].reason` (e.g. `rateLimitExceeded`), when Google sends one.
    package var reason: String?

    package init(code: Int, status: String, message: String, reason: String? = nil) {
        self.code = code
        self.status = status
        self.message = message
        self.reason = reason
    }

    package var description: String { "\(code) \(status): \(message)" }

    /// 400 INVALID_ARGUMENT, the answer to any bad request.
    package static func invalid(_ message: String) -> SheetsFakeError {
        SheetsFakeError(code: 400, status: "INVALID_ARGUMENT", message: message, reason: "badRequest")
    }

    package static func notFound() -> SheetsFakeError {
        SheetsFakeError(code: 404, status: "NOT_FOUND", message: "Requested entity was not found.", reason: "notFound")
    }

    /// 429 RESOURCE_EXHAUSTED with reason `rateLimitExceeded`.
    package static func rateLimited(write: Bool, perUserLimit: Int) -> SheetsFakeError {
        let kind = write ? "Write" : "Read"
        return SheetsFakeError(
            code: 429, status: "RESOURCE_EXHAUSTED",
            message:
                "Quota exceeded for quota metric '\(kind) requests' and limit '\(kind) requests per minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'. Limit: \(perUserLimit).",
            reason: "rateLimitExceeded")
    }

    package static func unparsableRange(_ range: String) -> SheetsFakeError {
        invalid("Unable to parse range: \(range)")
    }

    /// `Range ('Sheet1'!A1001:B1001) exceeds grid limits. Max rows: 1000, max columns: 26`
    package static func exceedsGrid(title: String, cells: String, tab: SheetsFakeSheetProperties) -> SheetsFakeError {
        invalid(
            "Range (\(SheetsFakeA1Range.quote(title))!\(cells)) exceeds grid limits. Max rows: \(tab.rowCount), max columns: \(tab.columnCount)"
        )
    }

    package static func tooManyCells(limit: Int) -> SheetsFakeError {
        invalid("This action would increase the number of cells in the workbook above the limit of \(limit) cells.")
    }

    package static func cellTooLong(limit: Int) -> SheetsFakeError {
        invalid("Your input contains more than the maximum of \(limit) characters in a single cell.")
    }

    package var json: SheetsFakeJSON {
        var pairs: [(String, SheetsFakeJSON)] = [
            ("code", .number(Double(code))), ("message", .string(message)),
        ]
        if let reason {
            pairs.append(
                ("errors", .array([.object([("message", .string(message)), ("domain", .string("global")), ("reason", .string(reason))])])))
        }
        pairs.append(("status", .string(status)))
        return .object([("error", .object(pairs))])
    }
}
