using Federated.Federation.Transfer;
using Federated.Federation.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Federated.Federation.Tests.Transfer;

public class ChunkAssemblerTests
{
    private static byte[] Payload(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 31)).ToArray();

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1000, 64)]
    [InlineData(1024, 256)]
    public void Split_ThenAssemble_RoundTrips(int length, int chunkBytes)
    {
        var payload = Payload(length);
        var assembler = new ChunkAssembler((ulong)length, chunkBytes, length, "update");

        var chunks = PayloadChunks.Split(payload, chunkBytes).ToList();
        chunks.ForEach(assembler.Add);

        Assert.Equal(PayloadChunks.Count(length, chunkBytes), chunks.Count);
        Assert.Equal(payload, assembler.Complete(PayloadChunks.Digest(payload)));
    }

    [Fact]
    public void Add_OutOfOrderChunk_InvalidArgumentNamingExpectedIndex()
    {
        var payload = Payload(300);
        var chunks = PayloadChunks.Split(payload, 100).ToList();
        var assembler = new ChunkAssembler(300, 100, 1000, "update");
        assembler.Add(chunks[0]);

        var ex = Assert.Throws<RpcException>(() => assembler.Add(chunks[2]));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("update chunk.index out of order: expected 1, got 2", ex.Status.Detail);
    }

    [Fact]
    public void Add_WrongOffset_InvalidArgument()
    {
        var assembler = new ChunkAssembler(10, 10, 10, "update");

        var ex = Assert.Throws<RpcException>(() => assembler.Add(new Chunk { Index = 0, Offset = 3, Data = ByteString.CopyFrom(1, 2) }));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("update chunk 0: chunk.offset expected 0, got 3", ex.Status.Detail);
    }

    [Fact]
    public void Add_OversizedChunk_ResourceExhaustedNamingLimit()
    {
        var assembler = new ChunkAssembler(100, 10, 100, "update");

        var ex = Assert.Throws<RpcException>(() => assembler.Add(new Chunk { Index = 0, Data = ByteString.CopyFrom(new byte[11]) }));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("update chunk 0 has 11 bytes; the limit is 10 bytes per chunk", ex.Status.Detail);
    }

    [Fact]
    public void Constructor_TotalAboveLimit_ResourceExhaustedNamingLimit()
    {
        var ex = Assert.Throws<RpcException>(() => new ChunkAssembler(2048, 10, 1024, "update"));

        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
        Assert.Equal("update total_bytes 2048 exceeds the limit of 1024 bytes", ex.Status.Detail);
    }

    [Fact]
    public void Add_PastDeclaredTotal_InvalidArgument()
    {
        var assembler = new ChunkAssembler(4, 10, 100, "update");

        var ex = Assert.Throws<RpcException>(() => assembler.Add(new Chunk { Index = 0, Data = ByteString.CopyFrom(new byte[5]) }));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
    }

    [Fact]
    public void Complete_DigestMismatch_InvalidArgument()
    {
        var payload = Payload(50);
        var assembler = new ChunkAssembler(50, 50, 50, "global model");
        assembler.Add(PayloadChunks.Split(payload, 50).Single());
        var wrong = PayloadChunks.Digest(Payload(49));

        var ex = Assert.Throws<RpcException>(() => assembler.Complete(wrong));

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Equal("global model trailer.value: sha256 digest does not match the received bytes", ex.Status.Detail);
    }

    [Fact]
    public void Complete_Incomplete_InvalidArgumentNamingCounts()
    {
        var assembler = new ChunkAssembler(50, 50, 50, "update");
        assembler.Add(new Chunk { Index = 0, Data = ByteString.CopyFrom(new byte[20]) });

        var ex = Assert.Throws<RpcException>(() => assembler.Complete(PayloadChunks.Digest(new byte[20])));

        Assert.Equal("update incomplete: received 20 of the declared 50 bytes", ex.Status.Detail);
    }
}
