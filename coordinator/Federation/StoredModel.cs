using Federated.Federation.V1;

namespace Federated.Coordinator.Federation;

/// <summary>A global model version held in memory: its reference, payload bytes and decoded values.</summary>
internal sealed record StoredModel(ModelRef Ref, byte[] Payload, float[] Values);
