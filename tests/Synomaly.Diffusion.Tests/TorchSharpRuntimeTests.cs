using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests;

public sealed class TorchSharpRuntimeTests
{
    [Fact]
    public void Native_libtorch_loads_and_a_convolution_runs_on_the_cpu()
    {
        // The engine's CPU kernel cap must be in place before this process's first oneDNN convolution.
        _ = CpuKernelGuard.EffectiveCap;
        using var scope = NewDisposeScope();
        var x = arange(16, dtype: float32).reshape(1, 1, 4, 4);
        var kernel = ones(1, 1, 3, 3, dtype: float32);
        var y = nn.functional.conv2d(x, kernel);
        Assert.Equal(new long[] { 1, 1, 2, 2 }, y.shape);
        // Sum of the top-left 3x3 window of 0..15 laid out row-major: 0+1+2+4+5+6+8+9+10 = 45.
        Assert.Equal(45f, y[0, 0, 0, 0].item<float>());
    }

    [Fact]
    public void Loading_the_engine_caps_onednn_at_avx_on_amd_unless_the_operator_set_a_level()
    {
        string? operatorLevel = Environment.GetEnvironmentVariable(CpuKernelGuard.Variable);
        bool amd = File.Exists("/proc/cpuinfo") && File.ReadLines("/proc/cpuinfo").Any(l => l.StartsWith("vendor_id", StringComparison.Ordinal) && l.EndsWith("AuthenticAMD", StringComparison.Ordinal));

        Assert.Equal(amd, CpuKernelGuard.AppliesToThisCpu);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(operatorLevel ?? (amd ? CpuKernelGuard.DefaultCap : null), CpuKernelGuard.EffectiveCap);
        }
    }

    [Fact]
    public void Auto_device_is_cpu_without_cuda_and_explicit_cuda_fails_clearly()
    {
        Assert.Equal(DeviceType.CPU, TorchDevice.Resolve("cpu").type);
        if (!cuda.is_available())
        {
            Assert.Equal(DeviceType.CPU, TorchDevice.Resolve("auto").type);
            var error = Assert.Throws<DeviceUnavailableException>(() => TorchDevice.Resolve("cuda"));
            Assert.Contains("CUDA is not available", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', error.Message);
        }
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda0")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:one")]
    [InlineData("mps")]
    public void A_device_setting_that_is_not_cpu_cuda_cuda_n_or_auto_is_an_unknown_device_naming_the_valid_forms(string setting)
    {
        var error = Assert.Throws<UnknownDeviceException>(() => TorchDevice.Resolve(setting));

        Assert.Equal(setting, error.Setting);
        Assert.Contains("cpu, cuda, cuda:N", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Float32_is_kept_exact_by_switching_tf32_off_for_convolutions_and_matrix_products()
    {
        // The switches are libtorch's global context, settable without a GPU: what a CUDA device resolution sets.
        bool cudnn = backends.cudnn.allow_tf32, matmul = backends.cuda.matmul.allow_tf32;
        try
        {
            backends.cudnn.allow_tf32 = true;
            backends.cuda.matmul.allow_tf32 = true;

            TorchDevice.KeepFloat32Exact();

            Assert.False(backends.cudnn.allow_tf32);
            Assert.False(backends.cuda.matmul.allow_tf32);
        }
        finally
        {
            backends.cudnn.allow_tf32 = cudnn;
            backends.cuda.matmul.allow_tf32 = matmul;
        }
    }
}
