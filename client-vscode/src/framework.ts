/**
 * Which framework a Python file uses, from its imports. Drives the `nnmigrate.fileFramework` context key
 * so the right-click menu offers only the sensible direction. Plain module.
 */

export type Framework = 'pytorch' | 'tensorflow';
export type FileFramework = Framework | 'mixed' | 'none';

const TORCH = /^\s*(?:import|from)\s+(?:torch|torchvision|torchaudio)\b/m;
const KERAS = /^\s*(?:import|from)\s+(?:tensorflow|keras|tf_keras)\b/m;

export function detectFramework(text: string): FileFramework {
  const torch = TORCH.test(text);
  const keras = KERAS.test(text);
  if (torch && keras) {
    return 'mixed';
  }
  return torch ? 'pytorch' : keras ? 'tensorflow' : 'none';
}

export function frameworkLabel(framework: Framework): string {
  return framework === 'tensorflow' ? 'TensorFlow' : 'PyTorch';
}

export function otherFramework(framework: Framework): Framework {
  return framework === 'tensorflow' ? 'pytorch' : 'tensorflow';
}
