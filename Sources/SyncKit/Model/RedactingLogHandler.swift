import Logging

/// Wraps a log handler so that no secret reaches it: the message and every metadata value pass
/// through `SecretRedactor` first. `main` installs it around whatever handler it bootstraps.
public struct RedactingLogHandler: LogHandler {
    public var wrapped: any LogHandler

    public init(_ wrapped: any LogHandler) { self.wrapped = wrapped }

    public var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue.mapValues(Self.redact) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue.map(Self.redact) }
    }

    public func log(event: LogEvent) {
        var event = event
        event.message = Logger.Message(stringLiteral: SecretRedactor.redact(event.message.description))
        event.metadata = event.metadata?.mapValues(Self.redact)
        if let error = event.error {
            event.metadata = (event.metadata ?? [:]).merging(["error": .string(SecretRedactor.redact("\(error)"))]) { old, _ in old }
            event.error = nil
        }
        wrapped.log(event: event)
    }

    static func redact(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): .string(SecretRedactor.redact(text))
        case .stringConvertible(let convertible): .string(SecretRedactor.redact(convertible.description))
        case .array(let items): .array(items.map(redact))
        case .dictionary(let entries): .dictionary(entries.mapValues(redact))
        }
    }
}
