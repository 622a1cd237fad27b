using Cndr.Host.Configuration;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace Cndr.Host.Metrics;

/// <summary>
/// Optional push of the <c>Cndr</c> meter over OTLP (OpenTelemetry SDK), on when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>
/// is set. Export runs on the SDK's own reader thread at <c>OTEL_METRIC_EXPORT_INTERVAL</c>.
/// </summary>
internal static class OtlpExport
{
    /// <summary>A running exporter (dispose to flush and stop), or null when no endpoint is configured.</summary>
    public static MeterProvider? Start(CndrSettings settings)
    {
        if (string.IsNullOrEmpty(settings.OtlpEndpoint))
        {
            return null;
        }

        var protocol = settings.OtlpProtocol == "http/protobuf" ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        var endpoint = new Uri(settings.OtlpEndpoint);
        if (protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath is "" or "/")
        {
            // The base endpoint of OTLP/HTTP gets the signal's path, as the SDK does for the environment variable.
            endpoint = new Uri(endpoint, "v1/metrics");
        }

        return Sdk.CreateMeterProviderBuilder()
            .AddMeter(NodeInstruments.MeterName)
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = endpoint;
                exporter.Protocol = protocol;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = settings.OtlpExportIntervalMs;
            })
            .Build();
    }
}
