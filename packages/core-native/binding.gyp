# Native build of @kiln/core-native. See README.md "Build" for why node-gyp.
#
# Kernel translation units pick their ISA by file-name suffix (src/**/*__<isa>.cc); each ISA group
# is its own static library so its -m flags apply to its files only. Nothing uses -march=native:
# the addon must load on any x86-64 CPU, and dispatch picks variants at run time (src/configs/).
{
  'variables': {
    'kiln_sanitize%': 0,
    'kiln_version': '<!(node -p "require(\'./package.json\').version")',
    'avx2_flags': ['-mavx2', '-mfma', '-mf16c'],
    'avx512_flags': ['-mavx512f', '-mavx512bw', '-mavx512vl', '-mavx512dq', '-mfma', '-mf16c'],
    'vnni_extra': ['-mavx512vnni'],
    'bf16_extra': ['-mavx512bf16'],
    'fp16_extra': ['-mavx512fp16'],
    'amx_extra': ['-mamx-tile', '-mamx-int8', '-mamx-bf16'],
  },
  'target_defaults': {
    'cflags!': ['-fno-exceptions'],
    'cflags_cc!': ['-fno-exceptions', '-fno-rtti', '-std=gnu++17', '-std=gnu++20', '-std=c++20'],
    'cflags': ['-fPIC', '-fvisibility=hidden'],
    'cflags_cc': ['-std=c++17', '-fexceptions', '-Wall', '-Wextra', '-Wno-unused-parameter', '-Wno-maybe-uninitialized'],
    'include_dirs': ["<!(node -p \"require('node-addon-api').include_dir\")", 'src'],
    'defines': ['NAPI_VERSION=8', 'NAPI_CPP_EXCEPTIONS', 'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS', 'KILN_VERSION="<(kiln_version)"'],
    'xcode_settings': {
      'GCC_ENABLE_CPP_EXCEPTIONS': 'YES',
      'CLANG_CXX_LANGUAGE_STANDARD': 'c++17',
      'OTHER_CPLUSPLUSFLAGS': ['-fexceptions'],
    },
    'msvs_settings': { 'VCCLCompilerTool': { 'ExceptionHandling': 1, 'AdditionalOptions': ['/std:c++17'] } },
    'configurations': {
      'Release': {
        'cflags': ['-O3'],
        'cflags_cc': ['-O3'],
        'defines': ['NDEBUG'],
      },
    },
    'conditions': [
      ['target_arch=="x64" or target_arch=="ia32"', { 'defines': ['KILN_X86=1'] }],
      ['kiln_sanitize==1', {
        'cflags!': ['-O3'],
        'cflags_cc!': ['-O3'],
        'cflags': ['-fsanitize=address,undefined', '-fno-sanitize=vptr', '-fno-omit-frame-pointer', '-O1', '-g'],
        'cflags_cc': ['-fsanitize=address,undefined', '-fno-sanitize=vptr', '-fno-omit-frame-pointer', '-O1', '-g'],
        'ldflags': ['-fsanitize=address,undefined'],
        'defines': ['KILN_SANITIZE=1'],
      }],
    ],
  },
  'targets': [
    {
      'target_name': 'kiln_scalar',
      'type': 'static_library',
      'sources': ['<!@(node scripts/list-sources.mjs scalar)'],
    },
    {
      'target_name': 'kiln',
      'sources': ['<!@(node scripts/list-sources.mjs common)'],
      'dependencies': ['kiln_scalar'],
      'conditions': [
        ['target_arch=="x64"', {
          'dependencies': ['kiln_avx2', 'kiln_avx512', 'kiln_avx512vnni', 'kiln_avx512bf16', 'kiln_avx512fp16', 'kiln_amx'],
        }],
      ],
    },
  ],
  'conditions': [
    ['target_arch=="x64"', {
      'targets': [
        {
          'target_name': 'kiln_avx2',
          'type': 'static_library',
          'sources': ['<!@(node scripts/list-sources.mjs avx2)'],
          'cflags': ['<@(avx2_flags)'],
        },
        {
          'target_name': 'kiln_avx512',
          'type': 'static_library',
          'sources': ['<!@(node scripts/list-sources.mjs avx512)'],
          'cflags': ['<@(avx512_flags)'],
        },
        {
          'target_name': 'kiln_avx512vnni',
          'type': 'static_library',
          'sources': ['<!@(node scripts/list-sources.mjs avx512vnni)'],
          'cflags': ['<@(avx512_flags)', '<@(vnni_extra)'],
        },
        {
          'target_name': 'kiln_avx512bf16',
          'type': 'static_library',
          'sources': ['<!@(node scripts/list-sources.mjs avx512bf16)'],
          'cflags': ['<@(avx512_flags)', '<@(vnni_extra)', '<@(bf16_extra)'],
        },
        {
          'target_name': 'kiln_avx512fp16',
          'type': 'static_library',
          'sources': ['<!@(node scripts/list-sources.mjs avx512fp16)'],
          'cflags': ['<@(avx512_flags)', '<@(vnni_extra)', '<@(bf16_extra)', '<@(fp16_extra)'],
        },
        {
          'target_name': 'kiln_amx',
          'type': 'static_library',
          'sources': ['<!@(node scripts/list-sources.mjs amx)'],
          'cflags': ['<@(avx512_flags)', '<@(vnni_extra)', '<@(bf16_extra)', '<@(fp16_extra)', '<@(amx_extra)'],
        },
      ],
    }],
  ],
}
