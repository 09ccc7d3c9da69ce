"""The seed notebook's ``MNISTDataset``, verbatim: the reference the fast loader is measured against."""
# ruff: noqa
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
from torch.utils.data import Dataset


class MNISTDataset(Dataset):
    def __init__(self, images_dir_path: str,
                 description_csv_path: str):
        super().__init__()
        
        self.images_dir_path = images_dir_path
        self.description_df = pd.read_csv(description_csv_path,
                                           dtype={'image_name': str, 'label': int})

    def __len__(self):
        return len(self.description_df)
    
    def __getitem__(self, index):
        img_name, label = self.description_df.iloc[index, :]
        
        img_path = Path(self.images_dir_path, f'{img_name}.png')
        img = self._read_img(img_path)
        
        return dict(sample=img, label=label)
    
    @staticmethod
    def _read_img(img_path: Path):
        img = cv2.imread(str(img_path.resolve()))
        img = img.astype(np.float32)
        img = np.transpose(img, (2, 0, 1))
        
        return img
